import { shellQuote as q } from '../shell/shell-quote';
import type { ContainerPlan, JobPlan } from './job-plan';
import { runtimeFor, type PreparedFile } from './runtimes';

/**
 * Renders the one batch script that runs a whole pod. Behaviour of the script:
 *  - init containers run one after another; the first non-zero exit ends the job with that code;
 *  - app containers then start together and the job waits for all of them; the job's exit
 *    code is the highest container exit code;
 *  - for every container the script writes `<kind>-<name>.started|.finished` (epoch seconds
 *    with microseconds) and `.status` (exit code), and its output with a capture timestamp per
 *    line to `<kind>-<name>.log` (or raw to `.out` when timestamps are off);
 *  - SIGTERM/SIGINT (scancel) are forwarded to every running container, whose exit codes are
 *    still recorded.
 * Values from the pod appear only as single-quoted words; env values are read from files.
 */
export function renderSbatchScript(plan: JobPlan): string {
  const all = [...plan.initContainers, ...plan.containers];
  const out: string[] = [];
  out.push(`#!${plan.bashPath}`);
  out.push(
    `# interLink Slurm sidecar job for pod ${commentText(`${plan.namespace}/${plan.podName}`)} (uid ${commentText(plan.uid)}). Generated; do not edit.`,
  );
  out.push(`JOB_DIR=${q(plan.jobDir)}`);
  out.push('cd -- "$JOB_DIR" || exit 1');
  out.push('umask 077');
  out.push(...HELPERS(plan.logTimestamps));
  out.push('');
  out.push(
    `printf 'interLink: Slurm job %s for pod %s on %s\\n' "\${SLURM_JOB_ID:-?}" ${q(`${plan.namespace}/${plan.podName}`)} "\${HOSTNAME:-?}"`,
  );
  if (plan.podIp !== undefined) out.push(`export POD_IP=${q(plan.podIp)}`);
  for (const [title, text] of [
    ['site prefix (CommandPrefix)', plan.commandPrefix],
    ['interlink.eu/wstunnel-client-commands', plan.tunnelCommands],
    ['slurm-job.vk.io/pre-exec', plan.preExec],
  ] as const) {
    if (text === undefined || text.trim() === '') continue;
    out.push(`# --- ${title}`, text.replace(/\n?$/, '\n'));
  }
  out.push('');
  for (const c of all) {
    out.push(`${fnName(c)}() {`);
    out.push(
      ...runtimeFor(c.runtime)
        .execLines(c, plan)
        .map((l) => `  ${l}`),
    );
    out.push('}');
  }
  const cleanup = all.flatMap((c) => runtimeFor(c.runtime).cleanupLines(c, plan));
  out.push('__il_cleanup() {');
  out.push('  local f');
  out.push('  for f in "$JOB_DIR"/*.pid; do [[ -s $f ]] && kill -KILL -- "$(<"$f")" 2>/dev/null; done');
  out.push(...cleanup.map((l) => `  ${l}`));
  out.push('  return 0');
  out.push('}');
  out.push('trap __il_cleanup EXIT');
  out.push('');
  if (plan.initContainers.length > 0) out.push('# init containers, one at a time');
  for (const c of plan.initContainers) {
    out.push('(( __il_terminating )) && exit 143');
    out.push(`__il_run init ${q(c.name)} ${fnName(c)} &`);
    out.push('__il_wait $! || exit $?');
  }
  out.push('(( __il_terminating )) && exit 143');
  out.push('# app containers, all at once');
  out.push('__il_pids=()');
  for (const c of plan.containers) {
    out.push(`__il_run run ${q(c.name)} ${fnName(c)} &`);
    out.push('__il_pids+=($!)');
  }
  out.push('__il_rc=0');
  out.push('for __il_pid in "${__il_pids[@]}"; do');
  out.push('  __il_wait "$__il_pid"; __il_c=$?');
  out.push('  (( __il_c > __il_rc )) && __il_rc=$__il_c');
  out.push('done');
  out.push('exit "$__il_rc"');
  return out.join('\n') + '\n';
}

/** Env and other files the runtimes read while the job runs. */
export function scriptSupportFiles(plan: JobPlan): PreparedFile[] {
  return [...plan.initContainers, ...plan.containers].flatMap((c) => runtimeFor(c.runtime).files(c, plan));
}

/** Problems that make the plan unrunnable (reported to the caller as a 400). */
export function planProblems(plan: JobPlan): string[] {
  return [...plan.initContainers, ...plan.containers].flatMap((c) => runtimeFor(c.runtime).problems(c));
}

/**
 * Text for a `#` comment: printable ASCII stays, everything else (line breaks above all,
 * which would end the comment and start a command or an `#SBATCH` line) becomes a `\uXXXX`
 * escape. The names are validated before a plan exists; this keeps comments safe regardless.
 */
export function commentText(text: string): string {
  return text.replace(/[^\x20-\x7e]|\\/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function fnName(c: ContainerPlan): string {
  return `__il_${c.kind}_${c.index}`;
}

const HELPERS = (timestamps: boolean): string[] => [
  '',
  '__il_terminating=0',
  '__il_signalled=0',
  'declare -a __il_env=() __il_eargs=()',
  '# Time as epoch seconds with microseconds (bash 5), else from date(1).',
  '__il_now() { REPLY=${EPOCHREALTIME:-}; [[ -n $REPLY ]] || REPLY=$(date +%s.%N); }',
  '# Reads a NUL-separated NAME=value file into __il_env (exact bytes, no quoting).',
  '__il_load_env() { __il_env=(); if [[ -s $1 ]]; then mapfile -d \'\' -t __il_env < "$1"; fi; }',
  ...(timestamps
    ? [
        '# Prefixes every line with its capture time; F = full line, P = partial last line.',
        '__il_stamp() {',
        "  trap '' TERM INT",
        '  local line',
        '  while IFS= read -r line; do __il_now; printf \'%s F %s\\n\' "$REPLY" "$line"; done',
        '  if [[ -n $line ]]; then __il_now; printf \'%s P %s\\n\' "$REPLY" "$line"; fi',
        '}',
      ]
    : []),
  '# Runs one container: <kind> <name> <function>; records times, output and exit code.',
  '__il_run() {',
  '  local base="$JOB_DIR/$1-$2" rc',
  '  trap : TERM INT',
  '  __il_now; printf \'%s\\n\' "$REPLY" > "$base.started"',
  timestamps
    ? '  ( trap - TERM INT; printf \'%s\\n\' "$BASHPID" > "$base.pid"; "$3" ) 2>&1 | __il_stamp >> "$base.log"'
    : '  ( trap - TERM INT; printf \'%s\\n\' "$BASHPID" > "$base.pid"; "$3" ) >> "$base.out" 2>&1',
  timestamps ? '  rc=${PIPESTATUS[0]}' : '  rc=$?',
  '  __il_now; printf \'%s\\n\' "$REPLY" > "$base.finished"',
  '  printf \'%s\\n\' "$rc" > "$base.status"',
  '  rm -f -- "$base.pid"',
  '  return "$rc"',
  '}',
  '# scancel: forward the signal to every running container.',
  '__il_forward() {',
  '  __il_terminating=1; __il_signalled=1',
  '  local f',
  '  for f in "$JOB_DIR"/*.pid; do [[ -s $f ]] && kill -TERM -- "$(<"$f")" 2>/dev/null; done',
  '}',
  'trap __il_forward TERM INT',
  '# wait(1) returns early when a trapped signal arrives; keep waiting for the real exit code.',
  '__il_wait() {',
  '  local rc',
  '  while :; do',
  '    __il_signalled=0',
  '    wait "$1"; rc=$?',
  '    (( __il_signalled )) || return "$rc"',
  '  done',
  '}',
];
