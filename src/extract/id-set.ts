// The ids one scan has seen, so a scan can count the distinct records it read against `meta.total` and
// write each record once however often the pages overlap. ActiveCampaign ids are small positive integers
// (strings in JSON): those go into a growable bitmap (1 bit per id: 10 million ids in 1.25 MB, so memory
// stays flat); any other key (names, UUIDs) goes into a Set.
const MAX_BITMAP_ID = 2 ** 31;

export class IdSet {
  private bits = new Uint8Array(1024);
  private readonly others = new Set<string>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds an id; true when it was not there yet. */
  add(id: string): boolean {
    const n = numericId(id);
    if (n === null) {
      if (this.others.has(id)) return false;
      this.others.add(id);
      this.count++;
      return true;
    }
    const byte = n >>> 3;
    if (byte >= this.bits.length) {
      let len = this.bits.length;
      while (len <= byte) len *= 2;
      const grown = new Uint8Array(len);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (n & 7);
    if (this.bits[byte] & mask) return false;
    this.bits[byte] |= mask;
    this.count++;
    return true;
  }

  has(id: string): boolean {
    const n = numericId(id);
    if (n === null) return this.others.has(id);
    const byte = n >>> 3;
    return byte < this.bits.length && (this.bits[byte] & (1 << (n & 7))) !== 0;
  }
}

/** The id as a bitmap index when it is a plain decimal integer in range (no sign, no leading zero). */
function numericId(id: string): number | null {
  if (id.length === 0 || id.length > 10 || (id.length > 1 && id.charCodeAt(0) === 48)) return null;
  let n = 0;
  for (let i = 0; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return n < MAX_BITMAP_ID ? n : null;
}
