import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { readSecretsFile, secretsFileFor, writeSecrets } from '../../src/config/secrets-file.ts';
import { redact } from '../../src/core/secrets.ts';
import { type CliFixture, cliFixture } from '../cli/fixture.ts';

const REF = (name: string) => '$'.concat(`{${name}}`);

describe('the secrets file beside the config', () => {
  let f: CliFixture;
  beforeAll(async () => {
    f = await cliFixture('secrets', 50);
  });
  afterAll(() => f.close());

  it('is named after the config file', () => {
    expect(secretsFileFor('/x/acsync.yaml')).toBe('/x/acsync.secrets.env');
    expect(secretsFileFor('/x/prod.yml')).toBe('/x/prod.secrets.env');
    expect(secretsFileFor('/x/conf')).toBe('/x/conf.secrets.env');
  });

  it('is written with mode 0600, keeping other lines; values fill $VAR references; the environment wins', () => {
    const file = f.config([{ apiKey: REF('FILE_KEY') }], { file: 'one.yaml' });
    const secrets = secretsFileFor(file);
    writeFileSync(secrets, '# mine\nOTHER=keep-me\n', { mode: 0o644 });
    writeSecrets(secrets, { FILE_KEY: 'from-the-file-123' });
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(readFileSync(secrets, 'utf8')).toBe('# mine\nOTHER=keep-me\nFILE_KEY=from-the-file-123\n');
    expect(readSecretsFile(secrets).values).toEqual({ OTHER: 'keep-me', FILE_KEY: 'from-the-file-123' });

    const loaded = loadConfig(file, { env: {} });
    expect(loaded.sources[0]!.apiKey).toBe('from-the-file-123');
    expect(loaded.warnings).toEqual([]);
    // Every value in the file is a secret at once.
    expect(redact('x keep-me y')).toBe('x [REDACTED] y');
    expect(loadConfig(file, { env: { FILE_KEY: 'from-env-456789' } }).sources[0]!.apiKey).toBe(
      'from-env-456789',
    );

    writeSecrets(secrets, { OTHER: null });
    expect(readFileSync(secrets, 'utf8')).not.toContain('OTHER');
    chmodSync(secrets, 0o644);
    expect(loadConfig(file, { env: {} }).warnings.join('\n')).toMatch(
      /one\.secrets\.env can be read by other users; make it private: chmod 600/,
    );
    expect(() => writeSecrets(secrets, { 'bad name': 'x' })).toThrow(/not a valid variable name/);
  });

  it('a bad line is an error naming the line, never the value', () => {
    const file = f.config([{ apiKey: REF('K') }], { file: 'bad.yaml' });
    writeFileSync(secretsFileFor(file), 'K=ok-value-1\nthis line has no equals sign-SECRET\n');
    expect(() => loadConfig(file, { env: {} })).toThrow(
      /bad\.secrets\.env:2: expected NAME=value \(the value is not shown\)/,
    );
  });

  it('missing variables can be kept and listed instead of failing (the dashboard reads that way)', () => {
    const file = f.config([{ apiKey: REF('NOT_SET_ANYWHERE') }], { file: 'missing.yaml' });
    expect(() => loadConfig(file, { env: {} })).toThrow(
      /NOT_SET_ANYWHERE is not set .*or put it in .*missing\.secrets\.env/,
    );
    const kept = loadConfig(file, { env: {}, missingEnv: 'keep' });
    expect(kept.missingEnv).toEqual([
      {
        name: 'NOT_SET_ANYWHERE',
        where: expect.stringMatching(/missing\.yaml:\d+:\d+: sources\[0\]\.apiKey$/),
      },
    ]);
    expect(kept.sources[0]!.apiKey).toBe(REF('NOT_SET_ANYWHERE'));
    expect(redact(REF('NOT_SET_ANYWHERE'))).toBe(REF('NOT_SET_ANYWHERE'));
  });

  it('every command reads it: acsync check and sync with the key only in the secrets file', async () => {
    const file = f.config([{ apiKey: REF('ONLY_IN_FILE'), resources: '[tags]' }]);
    writeSecrets(secretsFileFor(file), { ONLY_IN_FILE: f.emulator.apiKey });
    const check = await f.cli(['check'], { AC_API_KEY: undefined });
    expect(check.stdout).toMatch(/API {8}ok {4}.* accepts the key/);
    expect(check.code).toBe(0);
    const sync = await f.cli(['sync', '--json'], { AC_API_KEY: undefined });
    expect(sync.code).toBe(0);
    expect(sync.stdout + sync.stderr).not.toContain(f.emulator.apiKey);
  });
});
