// The lake in a local folder: the same layout, files and objects as on S3 (lake/storage.ts), for trying
// the lake out or for a folder another tool syncs. A write goes to a temporary name and is renamed into
// place, so a reader never sees part of an object.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { DestinationUnreachableError } from '../../core/errors.ts';
import { localDatalake } from '../dialects/datalake.ts';
import { LakeStorage } from '../lake/storage.ts';
import type { ObjectStore } from '../lake/store.ts';
import type { Storage } from '../storage.ts';

const TEMP_MARK = '.acsync-tmp-';

export class FolderStore implements ObjectStore {
  private temps = 0;

  constructor(private readonly root: string) {}

  get where(): string {
    return this.root;
  }

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  /** Writes through a temporary file in the same folder, then renames (atomic on one filesystem). */
  private replace(key: string, write: (temp: string) => void): void {
    const target = this.path(key);
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}${TEMP_MARK}${process.pid}-${++this.temps}`;
    try {
      write(temp);
      renameSync(temp, target);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }

  async put(key: string, body: string | Buffer): Promise<void> {
    this.replace(key, (temp) => writeFileSync(temp, body));
  }

  async putFile(key: string, file: string): Promise<void> {
    this.replace(key, (temp) => copyFileSync(file, temp));
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return readFileSync(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Keys are listed from the folder the prefix names (every prefix acsync lists ends in "/").
    const base = this.path(prefix.replace(/\/$/, ''));
    if (!existsSync(base)) return [];
    return (readdirSync(base, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((e) => e.isFile() && !e.name.includes(TEMP_MARK))
      .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'));
  }

  async localCopy(key: string): Promise<string> {
    return this.path(key);
  }

  async delete(key: string): Promise<void> {
    rmSync(this.path(key), { force: true });
  }

  async close(): Promise<void> {}
}

/** The driver file's plug (index.ts). */
export async function openStorage(dest: { path: string }, namespace: string): Promise<Storage> {
  const root = resolve(dest.path);
  try {
    mkdirSync(root, { recursive: true });
  } catch (err) {
    throw new DestinationUnreachableError(`cannot create the data lake folder ${root}`, { cause: err });
  }
  return new LakeStorage(new FolderStore(root), localDatalake, namespace);
}
