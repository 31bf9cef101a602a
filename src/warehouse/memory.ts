// Keeping the loader's memory flat. A batch of records lives across many young-generation collections,
// so V8 promotes it to the old generation, where it dies; V8 then lets the old generation grow to
// several times the live set before collecting it (measured: 450 MB of heap for ~30 MB live at 5,000
// rows a batch). After a batch, when the heap has grown past a threshold, a full collection returns it
// to the live set (measured: 28 MB), which costs a few milliseconds a batch and no throughput.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Heap in use above which a finished batch triggers a full collection. */
const HEAP_THRESHOLD = 64 * 2 ** 20;

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    // `gc` is exposed to contexts created after the flag is set; the main context is left untouched.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  } catch {
    gc = null;
  }
  return gc;
}

/** Called between batches: collects garbage when the heap has grown past the threshold. */
export function releaseBatchMemory(): void {
  if (process.memoryUsage().heapUsed < HEAP_THRESHOLD) return;
  collector()?.();
}
