import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs } from './harness';

// Observe every comparison the authenticator makes, while keeping the real implementation.
const compared = vi.hoisted(() => [] as { a: number; b: number }[]);
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push({ a: a.byteLength, b: b.byteLength });
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { TokenAuthenticator } = await import('../src/auth/TokenAuthenticator');

const dir = mkdtempSync(join(tmpdir(), 'relay-tokens-'));

describe('TokenAuthenticator', () => {
  afterEach(() => {
    compared.length = 0;
  });

  it('constant-time: every configured token is compared, with equal-length digests, whether the match is first, last or absent', () => {
    const file = join(dir, 'several');
    writeFileSync(file, 'first-token\nsecond\n# comment\n\n  third-token-which-is-much-longer  \n');
    const auth = new TokenAuthenticator(file, captureLogs().logger, 60_000);
    expect(auth.tokenCount).toBe(3);
    for (const [candidate, expected] of [
      ['first-token', true],
      ['third-token-which-is-much-longer', true],
      ['second', true],
      ['nope', false],
      ['', false],
      ['first-toke', false],
      ['x'.repeat(10_000), false],
    ] as const) {
      compared.length = 0;
      expect(auth.accepts(candidate)).toBe(expected);
      // no early exit on a match, and no length-dependent short cut
      expect(compared).toHaveLength(3);
      for (const c of compared) expect(c).toEqual({ a: 32, b: 32 });
    }
    expect(auth.accepts('# comment')).toBe(false);
    expect(auth.accepts(' third-token-which-is-much-longer ')).toBe(false);
  });

  it('re-reads the file when it changes; keeps the last good tokens while it is missing', () => {
    const file = join(dir, 'rotating');
    const logs = captureLogs();
    writeFileSync(file, 'old\n');
    const auth = new TokenAuthenticator(file, logs.logger, 0);
    expect(auth.accepts('old')).toBe(true);
    writeFileSync(`${file}.tmp`, 'new-one\nnew-two\n');
    renameSync(`${file}.tmp`, file);
    expect(auth.accepts('old')).toBe(false);
    expect(auth.accepts('new-two')).toBe(true);
    expect(logs.lines.some((l) => l['msg'] === 'token file reloaded' && l['tokens'] === 2)).toBe(true);
    rmSync(file);
    expect(auth.accepts('new-one')).toBe(true);
    expect(logs.lines.some((l) => l['msg'] === 'token file unreadable; keeping the previous tokens')).toBe(
      true,
    );
  });

  it('an empty token file refuses everything; a missing file at start-up is an error naming it', () => {
    const file = join(dir, 'empty');
    writeFileSync(file, '# nobody\n\n');
    const logs = captureLogs();
    const auth = new TokenAuthenticator(file, logs.logger, 60_000);
    expect(auth.accepts('')).toBe(false);
    expect(auth.accepts('# nobody')).toBe(false);
    expect(
      logs.lines.some((l) => l['level'] === 'warn' && String(l['msg']).includes('holds no tokens')),
    ).toBe(true);
    expect(() => new TokenAuthenticator(join(dir, 'absent'), logs.logger)).toThrow(/token file .*absent/);
  });
});
