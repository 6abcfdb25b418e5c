import { splitShellWords } from '../shell/shell-words';
import { judgePodFlag, MANAGED_BY_SIDECAR, type FlagPolicy } from './flag-policy';
import type { SbatchFlag } from './sbatch-flags';

/** sbatch's short options that take a value, mapped to their long names. */
const SHORT_WITH_VALUE: Record<string, string> = {
  A: 'account',
  C: 'constraint',
  D: 'chdir',
  G: 'gpus',
  J: 'job-name',
  L: 'licenses',
  M: 'clusters',
  N: 'nodes',
  S: 'core-spec',
  a: 'array',
  b: 'begin',
  c: 'cpus-per-task',
  d: 'dependency',
  e: 'error',
  i: 'input',
  m: 'distribution',
  n: 'ntasks',
  o: 'output',
  p: 'partition',
  q: 'qos',
  t: 'time',
  w: 'nodelist',
  x: 'exclude',
  B: 'extra-node-info',
};
/** Short options without a value. */
const SHORT_SWITCHES: Record<string, string> = {
  s: 'oversubscribe',
  k: 'no-kill',
  H: 'hold',
  O: 'overcommit',
  Q: 'quiet',
  W: 'wait',
  h: 'help',
  V: 'version',
  v: 'verbose',
};

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/**
 * Parses flags written as shell words (`-p debug --time=10 -t 2800 --exclusive`): a word
 * starting with `-` plus a following word that does not start with `-` form one flag, so
 * short options with separate values work (interlink-slurm-plugin#116). Short options are
 * normalised to long names. Throws FlagError for anything that is not a well-formed option.
 */
export function parseFlagWords(words: readonly string[]): SbatchFlag[] {
  const tokens = words.flatMap((w) => splitShellWords(w));
  const flags: SbatchFlag[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const { flag, consumedNext } = parseOption(tokens[i] as string, tokens[i + 1]);
    if (consumedNext) i += 1;
    checkWellFormed(flag);
    flags.push(flag);
  }
  return flags;
}

/**
 * Administrator flags (SlurmFlags, flavors) are trusted: no allow-list, but options that would
 * break how the sidecar submits and tracks the job are refused.
 */
export function parseAdminFlags(words: readonly string[]): SbatchFlag[] {
  const flags = parseFlagWords(words);
  for (const flag of flags) {
    const managed = MANAGED_BY_SIDECAR[flag.name];
    if (managed)
      throw new FlagError(`--${flag.name} is managed by the sidecar and cannot be set (${managed})`);
  }
  return flags;
}

export interface DroppedFlag {
  flag: SbatchFlag;
  reason: string;
}

/** What remains of a pod's `slurm-job.vk.io/flags`, and what was left out and why. */
export interface PodFlags {
  flags: SbatchFlag[];
  dropped: DroppedFlag[];
}

/**
 * A pod's flags screened by the policy: harmless options the sidecar cannot pass on are
 * dropped (the pod still runs; the caller reports them), privileged ones throw FlagError.
 */
export function parsePodFlags(words: readonly string[], policy: FlagPolicy): PodFlags {
  const result: PodFlags = { flags: [], dropped: [] };
  for (const flag of parseFlagWords(words)) {
    const verdict = judgePodFlag(flag, policy);
    if (verdict.action === 'refuse') throw new FlagError(`--${flag.name} is refused: ${verdict.reason}`);
    if (verdict.action === 'drop') result.dropped.push({ flag, reason: verdict.reason });
    else result.flags.push(flag);
  }
  return result;
}

function parseOption(token: string, next: string | undefined): { flag: SbatchFlag; consumedNext: boolean } {
  const nextIsValue = next !== undefined && !next.startsWith('-');
  if (token.startsWith('--') && token.length > 2) {
    const eq = token.indexOf('=');
    if (eq >= 0)
      return { flag: { name: token.slice(2, eq), value: token.slice(eq + 1) }, consumedNext: false };
    if (nextIsValue) return { flag: { name: token.slice(2), value: next }, consumedNext: true };
    return { flag: { name: token.slice(2) }, consumedNext: false };
  }
  if (/^-[A-Za-z]/.test(token)) return parseShortOption(token, nextIsValue ? next : undefined);
  throw new FlagError(`"${token}" is not an option (options start with -)`);
}

function parseShortOption(
  token: string,
  nextValue: string | undefined,
): { flag: SbatchFlag; consumedNext: boolean } {
  const letter = token[1] as string;
  const long = SHORT_WITH_VALUE[letter];
  const rest = token.slice(2).replace(/^=/, '');
  if (long) {
    if (rest !== '') return { flag: { name: long, value: rest }, consumedNext: false };
    if (nextValue !== undefined) return { flag: { name: long, value: nextValue }, consumedNext: true };
    throw new FlagError(`option -${letter} needs a value`);
  }
  const switchName = SHORT_SWITCHES[letter];
  if (switchName && rest === '') return { flag: { name: switchName }, consumedNext: false };
  throw new FlagError(`unknown short option "${token}"`);
}

function checkWellFormed(flag: SbatchFlag): void {
  if (!/^[a-z][a-z0-9-]*$/.test(flag.name)) throw new FlagError(`invalid option name "--${flag.name}"`);
  if (flag.value !== undefined && /[\0\n\r]/.test(flag.value)) {
    throw new FlagError(`value of --${flag.name} must not contain newlines or NUL`);
  }
}
