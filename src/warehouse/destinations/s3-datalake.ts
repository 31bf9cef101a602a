// The lake on S3 or an S3-compatible server (path-style when an endpoint is given), through the AWS SDK.
// Credentials come from the environment or the standard AWS chain, never from acsync.yaml. A PutObject
// replaces an object whole, which is all the lake's commit order (lake/storage.ts) needs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DestinationUnreachableError } from '../../core/errors.ts';
import { s3Datalake } from '../dialects/datalake.ts';
import { LakeStorage } from '../lake/storage.ts';
import type { ObjectStore } from '../lake/store.ts';
import type { Storage } from '../storage.ts';

export interface S3LakeConfig {
  bucket: string;
  /** Key prefix inside the bucket, before RudderStack's `rudder-datalake/`; "" for none. */
  prefix?: string;
  region: string;
  /** An S3-compatible server's URL; unset = AWS. */
  endpoint?: string;
  /** Path-style addressing (bucket in the path); defaults to true when `endpoint` is set. */
  forcePathStyle?: boolean;
}

export class S3Store implements ObjectStore {
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly config: S3LakeConfig,
  ) {
    const p = (config.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = p === '' ? '' : `${p}/`;
  }

  get where(): string {
    return `s3://${this.config.bucket}/${this.prefix}${this.config.endpoint ? ` at ${this.config.endpoint}` : ''}`;
  }

  private key(key: string): string {
    return `${this.prefix}${key}`;
  }

  async put(key: string, body: string | Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.config.bucket, Key: this.key(key), Body: body }),
    );
  }

  async putFile(key: string, file: string): Promise<void> {
    // A batch's file is a few MB at most: sent in one request with a known length.
    await this.put(key, readFileSync(file));
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(key) }),
      );
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: this.key(prefix),
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async localCopy(key: string, dir: string): Promise<string> {
    const body = await this.get(key);
    if (!body) throw new Error(`${this.where}: ${key} is listed in a manifest but missing`);
    const path = join(dir, ...key.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
    return path;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.key(key) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** The driver file's plug (index.ts): checks that the bucket answers before anything is written. */
export async function openStorage(dest: S3LakeConfig, namespace: string): Promise<Storage> {
  // The locked SDK supports Node 20 (engines >=20); its notice is about releases after January 2027,
  // which package-lock.json keeps out, and it would print on every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({
    region: dest.region,
    ...(dest.endpoint ? { endpoint: dest.endpoint } : {}),
    forcePathStyle: dest.forcePathStyle ?? dest.endpoint !== undefined,
    // Checksums only where S3 requires them: S3-compatible servers differ in the ones they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const store = new S3Store(client, dest);
  try {
    await client.send(new HeadBucketCommand({ Bucket: dest.bucket }));
  } catch (err) {
    client.destroy();
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
    const status = e.$metadata?.httpStatusCode;
    const why =
      status === 404
        ? 'the bucket does not exist'
        : status === 403
          ? 'access denied (check the AWS credentials in the environment)'
          : e.name === 'CredentialsProviderError'
            ? 'no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)'
            : `${e.name ?? 'error'}: ${e.message ?? String(err)}`;
    throw new DestinationUnreachableError(`cannot use data lake ${store.where}: ${why}`, { cause: err });
  }
  return new LakeStorage(store, s3Datalake, namespace);
}
