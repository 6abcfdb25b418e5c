import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { shellJoin, shellQuote } from '../../src/shell/shell-quote';
import { ShellWordsError, splitShellWords } from '../../src/shell/shell-words';
import { podText, splitNul } from '../arbitraries';

/** What bash makes of `printf '%s\0' <quoted words>`: the words as the process receives them. */
function bashWords(words: string[]): string[] {
  const script = `printf '%s\\0' ${shellJoin(words)}`;
  return splitNul(execFileSync('/bin/bash', ['-c', script]));
}

describe('shellQuote', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(shellQuote('abc-1.2/x')).toBe('abc-1.2/x');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(id)')).toBe("'$(id)'");
  });

  it('refuses NUL, which no argv element can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  it('every word reaches bash unchanged (property, 300 batches)', () => {
    fc.assert(
      fc.property(fc.array(podText(), { minLength: 1, maxLength: 8 }), (words) => {
        expect(bashWords(words)).toEqual(words);
      }),
      { numRuns: 300 },
    );
  });

  it('also through POSIX sh (dash)', () => {
    fc.assert(
      fc.property(fc.array(podText(), { minLength: 1, maxLength: 8 }), (words) => {
        const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${shellJoin(words)}`]);
        expect(splitNul(out)).toEqual(words);
      }),
      { numRuns: 100 },
    );
  });
});

describe('splitShellWords', () => {
  it('splits like a shell without expanding anything', () => {
    expect(splitShellWords(`--bind /a:/b  -B "/c d:/e" --opt='x y' $HOME \\$x`)).toEqual([
      '--bind',
      '/a:/b',
      '-B',
      '/c d:/e',
      '--opt=x y',
      '$HOME',
      '$x',
    ]);
    expect(splitShellWords('')).toEqual([]);
    expect(splitShellWords(`"a\\"b" 'c\\d'`)).toEqual(['a"b', 'c\\d']);
  });

  it('refuses operators and broken quoting with a clear error', () => {
    expect(() => splitShellWords('--nv; rm -rf /')).toThrow(ShellWordsError);
    expect(() => splitShellWords('$x | y')).toThrow(/operator '\|'/);
    expect(() => splitShellWords("'open")).toThrow(/unterminated single quote/);
    expect(() => splitShellWords('"open')).toThrow(/unterminated double quote/);
  });

  it('inverts shellJoin (property)', () => {
    fc.assert(
      fc.property(fc.array(podText(), { maxLength: 6 }), (words) => {
        expect(splitShellWords(shellJoin(words))).toEqual(words);
      }),
      { numRuns: 500 },
    );
  });
});

describe('shellQuote and sbatch', () => {
  it('never writes a CR LF pair (sbatch refuses DOS line breaks) yet keeps the word', () => {
    const q = shellQuote('a\r\nb\r\n');
    expect(q).not.toContain('\r\n');
    expect(bashWords(['a\r\nb\r\n', '\r\n'])).toEqual(['a\r\nb\r\n', '\r\n']);
  });
});
