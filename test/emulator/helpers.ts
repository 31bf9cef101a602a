// Plain HTTP helpers for the emulator tests (real requests over loopback).
import { request } from 'node:http';
import type { RunningEmulator } from '../../src/emulator/index.ts';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for reading JSON bodies
  json: any;
}

/** A request to the emulator; `host` overrides the Host header, `key` the Api-Token (null = none). */
export function call(
  em: RunningEmulator,
  path: string,
  opts: { method?: string; body?: unknown; key?: string | null; host?: string } = {},
): Promise<Reply> {
  const url = new URL(path.startsWith('/') ? path : `/api/3/${path}`, em.url);
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? em.apiKey : opts.key;
  if (key !== null) headers['Api-Token'] = key;
  if (opts.host) headers.Host = opts.host;
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  if (payload) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
