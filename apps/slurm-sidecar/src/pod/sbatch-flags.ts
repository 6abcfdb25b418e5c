/** One sbatch option in long form: `--name=value` or `--name`. */
export interface SbatchFlag {
  /** long option name without dashes, e.g. `partition` */
  name: string;
  value?: string;
}

/**
 * Merges flag lists in order of increasing precedence. A later flag with the same name
 * replaces the earlier value but keeps the earlier position (upstream's dedup rule), so
 * the resulting order is stable and readable.
 */
export function mergeFlags(...lists: readonly (readonly SbatchFlag[])[]): SbatchFlag[] {
  const out: SbatchFlag[] = [];
  const index = new Map<string, number>();
  for (const list of lists) {
    for (const flag of list) {
      const at = index.get(flag.name);
      if (at === undefined) {
        index.set(flag.name, out.length);
        out.push({ ...flag });
      } else {
        out[at] = { ...flag };
      }
    }
  }
  return out;
}

export function hasFlag(flags: readonly SbatchFlag[], name: string): boolean {
  return flags.some((f) => f.name === name);
}

export function flagValue(flags: readonly SbatchFlag[], name: string): string | undefined {
  return flags.find((f) => f.name === name)?.value;
}

/** argv elements for sbatch; each flag is one element so no quoting is involved. */
export function flagsToArgv(flags: readonly SbatchFlag[]): string[] {
  return flags.map((f) => (f.value === undefined ? `--${f.name}` : `--${f.name}=${f.value}`));
}
