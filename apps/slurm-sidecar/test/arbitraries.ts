import fc from 'fast-check';

/** Pieces that mean something to a shell, sbatch or a parser. */
const NASTY = [
  "'",
  '"',
  '\\',
  '$(id)',
  '`id`',
  '$HOME',
  '${x:-y}',
  ';',
  '&&',
  '|',
  '\n',
  '\r',
  '\t',
  ' ',
  '*',
  '?',
  '~',
  '#',
  '!',
  '%s',
  '-e',
  '--',
  '=',
  "'\\''",
  "$'\\n'",
  '<(echo)',
  '>',
  '\u00a0',
  'é',
  '😀',
  '\u2028',
  '%',
  '{a,b}',
  '[x]',
];

/** Any text a pod could carry in a value: full Unicode (no lone surrogates), no NUL. */
export const podText = (maxLength = 40): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength }) },
      { weight: 2, arbitrary: fc.array(fc.constantFrom(...NASTY), { maxLength: 6 }).map((p) => p.join('')) },
      {
        weight: 2,
        arbitrary: fc
          .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary-ascii', maxLength: 5 })), {
            maxLength: 8,
          })
          .map((p) => p.join('')),
      },
    )
    .map((s) => s.replaceAll('\0', ''));

/** An environment variable name: anything but empty, "=" or NUL. Names the dynamic loader reads are excluded. */
export const envName = (): fc.Arbitrary<string> =>
  podText(20)
    .map((s) => s.replaceAll('=', ''))
    .filter(
      (s) =>
        s.length > 0 &&
        !/^(LD_|GCONV_PATH|LOCPATH|MALLOC_|NLSPATH|HOSTALIASES|RES_OPTIONS|LOCALDOMAIN|GLIBC_TUNABLES|TZDIR|IL_TEST_)/.test(
          s,
        ),
    );

export const envList = (maxLength = 6) =>
  fc.array(fc.record({ name: envName(), value: podText() }), { maxLength });

/** Expected environment after Kubernetes semantics: a later duplicate name wins. */
export function expectedEnv(list: { name: string; value: string }[]): Map<string, string> {
  return new Map(list.map((e) => [e.name, e.value]));
}

/** Splits `env -0` / `printf '%s\0'` output. */
export function splitNul(buf: Buffer): string[] {
  const text = buf.toString('utf8');
  const parts = text.split('\0');
  parts.pop();
  return parts;
}

export function envFromNul(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of splitNul(buf)) {
    const eq = entry.indexOf('=');
    out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}
