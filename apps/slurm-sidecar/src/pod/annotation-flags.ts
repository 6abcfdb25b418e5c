import { splitShellWords } from '../shell/shell-words';
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

/** Options a pod may set through `slurm-job.vk.io/flags` unless the configuration lists others. */
export const DEFAULT_ALLOWED_SLURM_FLAGS = [
  'account',
  'acctg-freq',
  'begin',
  'comment',
  'constraint',
  'core-spec',
  'cores-per-socket',
  'cpu-freq',
  'cpus-per-gpu',
  'cpus-per-task',
  'deadline',
  'delay-boot',
  'distribution',
  'exclude',
  'exclusive',
  'extra-node-info',
  'gpu-bind',
  'gpu-freq',
  'gpus',
  'gpus-per-node',
  'gpus-per-socket',
  'gpus-per-task',
  'gres',
  'gres-flags',
  'hint',
  'licenses',
  'mail-type',
  'mail-user',
  'mem',
  'mem-bind',
  'mem-per-cpu',
  'mem-per-gpu',
  'mincpus',
  'network',
  'nice',
  'no-requeue',
  'nodelist',
  'nodes',
  'ntasks',
  'ntasks-per-core',
  'ntasks-per-gpu',
  'ntasks-per-node',
  'ntasks-per-socket',
  'oversubscribe',
  'partition',
  'prefer',
  'priority',
  'qos',
  'requeue',
  'reservation',
  'signal',
  'sockets-per-node',
  'spread-job',
  'switches',
  'thread-spec',
  'threads-per-core',
  'time',
  'time-min',
  'tmp',
  'use-min-nodes',
  'wckey',
];

/**
 * Options that would break how the sidecar tracks and reads the job (output files, working
 * directory, job name, blocking submission), refused even when configured.
 */
const NEVER_ALLOWED = new Set([
  'output',
  'error',
  'input',
  'chdir',
  'job-name',
  'parsable',
  'wait',
  'array',
  'wrap',
  'test-only',
  'help',
  'usage',
  'version',
]);
/** Additionally refused from pods: identity and environment of the job. */
const NEVER_FROM_PODS = new Set([
  'uid',
  'gid',
  'export',
  'export-file',
  'get-user-env',
  'container',
  'container-id',
]);

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/**
 * Parses flags written as shell words (`-p debug --time=10 -t 2800 --exclusive`): a word
 * starting with `-` plus a following word that does not start with `-` form one flag, so
 * short options with separate values work (interlink-slurm-plugin#116). Short options are
 * normalised to long names. With `allowed` set (pod annotations) every option must be in
 * it; without it (administrator configuration) only options that break the sidecar are refused.
 */
export function parseFlagList(
  words: readonly string[],
  allowed: ReadonlySet<string> | undefined,
): SbatchFlag[] {
  const tokens = words.flatMap((w) => splitShellWords(w));
  const flags: SbatchFlag[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const next = tokens[i + 1];
    const nextIsValue = next !== undefined && !next.startsWith('-');
    let flag: SbatchFlag;
    let consumedNext = false;
    if (token.startsWith('--') && token.length > 2) {
      const eq = token.indexOf('=');
      if (eq >= 0) flag = { name: token.slice(2, eq), value: token.slice(eq + 1) };
      else if (nextIsValue) {
        flag = { name: token.slice(2), value: next };
        consumedNext = true;
      } else flag = { name: token.slice(2) };
    } else if (/^-[A-Za-z]/.test(token)) {
      const letter = token[1] as string;
      const long = SHORT_WITH_VALUE[letter];
      const rest = token.slice(2).replace(/^=/, '');
      if (long) {
        if (rest !== '') flag = { name: long, value: rest };
        else if (nextIsValue) {
          flag = { name: long, value: next };
          consumedNext = true;
        } else throw new FlagError(`option -${letter} needs a value`);
      } else if (SHORT_SWITCHES[letter] && rest === '') {
        flag = { name: SHORT_SWITCHES[letter] };
      } else {
        throw new FlagError(`unknown short option "${token}"`);
      }
    } else {
      throw new FlagError(`"${token}" is not an option (options start with -)`);
    }
    if (consumedNext) i += 1;
    check(flag, allowed);
    flags.push(flag);
  }
  return flags;
}

function check(flag: SbatchFlag, allowed: ReadonlySet<string> | undefined): void {
  if (!/^[a-z][a-z0-9-]*$/.test(flag.name)) throw new FlagError(`invalid option name "--${flag.name}"`);
  if (flag.value !== undefined && /[\0\n\r]/.test(flag.value)) {
    throw new FlagError(`value of --${flag.name} must not contain newlines or NUL`);
  }
  if (NEVER_ALLOWED.has(flag.name))
    throw new FlagError(`--${flag.name} is managed by the sidecar and cannot be set`);
  if (allowed) {
    if (NEVER_FROM_PODS.has(flag.name)) throw new FlagError(`--${flag.name} cannot be set by a pod`);
    if (!allowed.has(flag.name)) throw new FlagError(`--${flag.name} is not in the allowed sbatch options`);
  }
}
