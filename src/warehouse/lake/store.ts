// What the lake family needs from an object store: whole-object writes (a reader sees the old object or
// the new one, never part of one), reads, listings by prefix and deletes. destinations/s3-datalake.ts and
// destinations/local-datalake.ts implement it; everything else about the lake is written once above it.

export interface ObjectStore {
  /** Where the objects live, for messages (never a credential). */
  readonly where: string;
  /** Writes the object whole. */
  put(key: string, body: string | Buffer): Promise<void>;
  /** Writes the object whole from a local file. */
  putFile(key: string, file: string): Promise<void>;
  /** The object, or null when there is none. */
  get(key: string): Promise<Buffer | null>;
  /** Every key under `prefix` (all pages), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** A local file holding the object: the file itself for a folder, else a copy written into `dir`. */
  localCopy(key: string, dir: string): Promise<string>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
