import { describe, expect, it } from 'vitest';
import { apiRoot, isLoopbackHost, normaliseApiUrl } from '../../src/api/url.ts';
import { ConfigError } from '../../src/core/errors.ts';

describe('normaliseApiUrl', () => {
  it('keeps the URL as pasted and tolerates a trailing /api/3 and slashes', () => {
    for (const u of [
      'https://acme.api-us1.com',
      'https://acme.api-us1.com/',
      'https://acme.api-us1.com/api/3',
      'https://acme.api-us1.com/api/3/',
      '  https://acme.api-us1.com//  ',
    ]) {
      expect(normaliseApiUrl(u).href).toBe('https://acme.api-us1.com/');
    }
    expect(apiRoot(normaliseApiUrl('https://acme.api-us1.com/api/3')).href).toBe(
      'https://acme.api-us1.com/api/3/',
    );
    expect(normaliseApiUrl('https://acme.activehosted.com').host).toBe('acme.activehosted.com');
  });

  it('requires https except on loopback hosts', () => {
    expect(() => normaliseApiUrl('http://acme.api-us1.com')).toThrow(ConfigError);
    expect(() => normaliseApiUrl('http://acme.api-us1.com')).toThrow(/https/);
    for (const u of [
      'http://127.0.0.1:8080',
      'http://127.3.2.1',
      'http://localhost:1',
      'http://emulator.localhost:9',
      'http://[::1]:80',
    ]) {
      expect(normaliseApiUrl(u).protocol).toBe('http:');
    }
  });

  it('rejects what is not a usable URL, naming the url setting', () => {
    expect(() => normaliseApiUrl('')).toThrow(/url: .*empty/);
    expect(() => normaliseApiUrl('acme.api-us1.com')).toThrow(/not a URL/);
    expect(() => normaliseApiUrl('ftp://acme.api-us1.com')).toThrow(/https/);
    expect(() => normaliseApiUrl('https://u:p@acme.api-us1.com')).toThrow(/user name or password/);
  });

  it('recognises loopback hosts only', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('a.localhost')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.evil.com')).toBe(false);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});
