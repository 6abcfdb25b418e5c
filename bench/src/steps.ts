import { spawnSync } from 'node:child_process';
import { repoRoot } from '@interlink/testbench';
import type { Figure } from './figures';

/**
 * Whether the side-by-side step can run: it needs upstream's programs, built by the bench from
 * their source tarballs. Without the sources (a developer machine; never in CI, where the step
 * then fails loudly) the step and its figures are left out and the reason is printed.
 */
function upstreamMissing(): string {
  if (process.env.CI === 'true') return '';
  const r = spawnSync('bash', ['tools/testbench/testbench.sh', 'status', 'upstream'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('upstream')) ?? '';
  return /^upstream\s+unavailable\s+/.test(line) ? line.replace(/^upstream\s+unavailable\s+/, '') : '';
}

export const SIDE_BY_SIDE_NOT_RUN = upstreamMissing();
if (SIDE_BY_SIDE_NOT_RUN) console.log(`side-by-side NOT RUN: ${SIDE_BY_SIDE_NOT_RUN}`);

export interface Step {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
}

const tsx = (tsconfig: string, script: string, ...args: string[]) => [
  'npx',
  'tsx',
  '--tsconfig',
  tsconfig,
  script,
  ...args,
];

/**
 * Each app's own benchmark with the counts issue 8 asks for (or small ones in quick mode). Ports
 * come from this project's ranges (3200-3299, kubelet 10400-10499); nodes are named bench-*.
 */
export function steps(quick: boolean): Step[] {
  const all: Step[] = [
    {
      name: 'vk-scale',
      cmd: tsx(
        'apps/virtual-kubelet/tsconfig.json',
        'apps/virtual-kubelet/bench/vk-bench.ts',
        'scale',
        ...(quick ? ['--pods', '50', '--steady', '6'] : ['--pods', '5000', '--steady', '60']),
      ),
      env: { BENCH_PORT_BASE: '3220', BENCH_KUBELET_PORT_BASE: '10410' },
    },
    {
      name: 'vk-docker',
      cmd: tsx(
        'apps/virtual-kubelet/tsconfig.json',
        'apps/virtual-kubelet/bench/vk-bench.ts',
        'docker',
        ...(quick
          ? ['--single', '5', '--burst', '10', '--log-samples', '40', '--log-mb', '1']
          : ['--single', '100', '--burst', '200', '--log-samples', '300', '--log-mb', '8']),
      ),
      env: { BENCH_KUBELET_PORT_BASE: '10400' },
    },
    {
      name: 'slurm',
      cmd: tsx('tsconfig.base.json', 'apps/slurm-sidecar/bench/slurm-bench.ts'),
      // A burst of short jobs, then as many sleeping ones, so that the polls track live jobs.
      env: {
        BENCH_FIRST: quick ? '20' : '200',
        BENCH_PODS: quick ? '40' : '400',
        BENCH_PORT_BASE: '3210',
      },
    },
    {
      name: 'relay',
      cmd: tsx(
        'tsconfig.base.json',
        'apps/interlink/bench/relay-bench.ts',
        ...(quick ? ['--requests', '15000', '--samples', '300'] : []),
      ),
      env: { BENCH_PORT_BASE: '3200' },
    },
    {
      // upstream's chain and ours on one Docker sidecar (ports 26100-26119, nodes interop-bench-*)
      name: 'side-by-side',
      cmd: tsx(
        'tests/interop/tsconfig.json',
        'tests/interop/bench/side-by-side.ts',
        ...(quick ? ['--quick'] : []),
      ),
    },
    {
      // Issue 15, item 2: bad bearer tokens on the kubelet API must not starve the controller.
      name: 'kubelet-flood',
      cmd: tsx(
        'apps/virtual-kubelet/tsconfig.json',
        'apps/virtual-kubelet/bench/kubelet-flood-bench.ts',
        '--requests',
        quick ? '4000' : '8000',
        '--concurrency',
        '400',
        '--runs',
        quick ? '1' : '5',
      ),
      env: { BENCH_PORT_BASE: '3230', BENCH_KUBELET_PORT_BASE: '10420' },
    },
  ];
  return all.filter((s) => s.name !== 'side-by-side' || !SIDE_BY_SIDE_NOT_RUN);
}

const n = (m: RegExpMatchArray, i: number) => Number(m[i]);

/** "theirs X, ours Y = Z× faster" from one side-by-side figure printed for both chains. */
function bothSides(label: string, unit = 's'): RegExp {
  const l = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`side-by-side theirs ${l} (\\S+) ${unit}[\\s\\S]*side-by-side ours ${l} (\\S+) ${unit}`);
}

const speedup = (m: RegExpMatchArray) => n(m, 1) / n(m, 2);

const SIDE_BY_SIDE: Figure[] = [
  {
    step: 'side-by-side',
    what: 'apply→Succeeded p50, pods one after another (echo): theirs / ours',
    target: 'ours ≥ 2.5× faster',
    pattern: bothSides('apply→Succeeded p50'),
    format: (m) => `${m[1]} s / ${m[2]} s = ${speedup(m).toFixed(2)}×`,
    met: (m) => speedup(m) >= 2.5,
  },
  {
    step: 'side-by-side',
    what: 'apply→Running p50: theirs / ours',
    target: '—',
    pattern: bothSides('apply→Running p50'),
    format: (m) => `${m[1]} s / ${m[2]} s`,
  },
  {
    step: 'side-by-side',
    what: 'small burst until all finished: theirs / ours',
    target: 'ours ≥ 2.5× faster',
    pattern:
      /side-by-side theirs burst small (\d+) pods all finished (\S+) s[\s\S]*side-by-side ours burst small \d+ pods all finished (\S+) s/,
    format: (m) => `${m[1]} pods: ${m[2]} s / ${m[3]} s = ${(n(m, 2) / n(m, 3)).toFixed(2)}×`,
    met: (m) => n(m, 2) / n(m, 3) >= 2.5,
  },
  {
    step: 'side-by-side',
    what: 'large burst until all finished: theirs / ours',
    target: 'ours ≥ 2.5× faster',
    pattern:
      /side-by-side theirs burst large (\d+) pods all finished (\S+) s[\s\S]*side-by-side ours burst large \d+ pods all finished (\S+) s/,
    format: (m) => `${m[1]} pods: ${m[2]} s / ${m[3]} s = ${(n(m, 2) / n(m, 3)).toFixed(2)}×`,
    met: (m) => n(m, 2) / n(m, 3) >= 2.5,
  },
  {
    step: 'side-by-side',
    what: 'status propagation, container killed → pod Failed: theirs / ours',
    target: '—',
    pattern: bothSides('status propagation'),
    format: (m) => `${m[1]} s / ${m[2]} s`,
  },
  {
    step: 'side-by-side',
    what: 'node controller peak RSS: theirs / ours',
    target: 'ours ≤ 1.5× theirs',
    pattern:
      /side-by-side theirs node controller cpu (\S+) s, peak RSS (\S+) MB[\s\S]*side-by-side ours node controller cpu (\S+) s, peak RSS (\S+) MB/,
    format: (m) => `${m[2]} MB / ${m[4]} MB (CPU ${m[1]} s / ${m[3]} s)`,
    met: (m) => n(m, 4) <= 1.5 * n(m, 2),
  },
  {
    step: 'side-by-side',
    what: 'relay peak RSS: theirs / ours',
    target: 'ours ≤ 1.5× theirs',
    pattern:
      /side-by-side theirs relay cpu (\S+) s, peak RSS (\S+) MB[\s\S]*side-by-side ours relay cpu (\S+) s, peak RSS (\S+) MB/,
    format: (m) => `${m[2]} MB / ${m[4]} MB (CPU ${m[1]} s / ${m[3]} s)`,
    met: (m) => n(m, 4) <= 1.5 * n(m, 2),
  },
];

/** The summary table: issue 8's figures and targets, read from the steps' output. */
export const FIGURES: Figure[] = [
  {
    step: 'vk-docker',
    what: 'apply→Running, pods one after another (Docker): p50 / p95 / p99',
    target: 'p50 ≤ 1.0 s, p99 ≤ 2.5 s',
    pattern: /apply → Running \((\d+) runs\): p50 (\S+) s, p95 (\S+) s, p99 (\S+) s/,
    format: (m) => `${m[2]} / ${m[3]} / ${m[4]} s (${m[1]} pods)`,
    met: (m) => n(m, 2) <= 1.0 && n(m, 4) <= 2.5,
  },
  {
    step: 'vk-docker',
    what: 'burst: pods applied at once until all Running',
    target: '—',
    pattern: /(\d+) pods applied at once: all Running after (\S+) s \((\S+) pods\/s\)/,
    format: (m) => `${m[1]} pods in ${m[2]} s = ${m[3]} pods/s`,
  },
  {
    step: 'vk-docker',
    what: 'raw dockerode create+start of the same number of containers (same run)',
    target: '—',
    pattern: /raw dockerode create\+start of (\d+) containers in parallel: (\S+) s \((\S+) containers\/s\)/,
    format: (m) => `${m[1]} containers in ${m[2]} s = ${m[3]} containers/s`,
  },
  {
    step: 'vk-docker',
    what: 'burst rate / raw dockerode create+start rate (same run)',
    target: '≥ 0.8',
    pattern: /stack rate \/ raw rate = (\S+)/,
    format: (m) => `${m[1]}`,
    met: (m) => n(m, 1) >= 0.8,
  },
  {
    step: 'vk-docker',
    what: 'burst rate / raw dockerode rate of pod-shaped starts (sandbox + container per pod, as the sidecar does; same run)',
    target: '—',
    pattern: /stack rate \/ pod-shaped raw rate = (\S+)/,
    format: (m) => `${m[1]}`,
  },
  {
    step: 'slurm',
    what: 'Slurm: submissions/s through the sidecar',
    target: '≥ 20/s',
    pattern: /submit (\d+) pods \(HTTP \/create, \d+ concurrent\): (\S+) s = (\S+) submissions\/s/,
    format: (m) => `${m[3]}/s (${m[1]} pods in ${m[2]} s)`,
    met: (m) => n(m, 3) >= 20,
  },
  {
    step: 'slurm',
    what: 'Slurm: time until every submitted job has started (running or done)',
    target: '—',
    pattern:
      /all (\d+) jobs started \(running or done\) (\S+) s after the first submission; (\d+) polls, squeue processes per poll max (\d+)/,
    format: (m) => `${m[2]} s for ${m[1]} jobs (${m[3]} polls, ≤ ${m[4]} squeue each)`,
  },
  {
    step: 'slurm',
    what: 'Slurm: squeue invocations per status poll of every pod',
    target: '1',
    pattern: /status poll of (\d+) tracked pods .*median (\d+) ms.*squeue processes per poll: ([\d, ]+)/,
    format: (m) => `${m[3]} (poll of ${m[1]} pods, median ${m[2]} ms)`,
    met: (m) => (m[3] ?? '').split(',').every((x) => Number(x) === 1),
  },
  {
    step: 'vk-scale',
    what: 'scale: relay → plugin /status calls per 1.5 s tick (pods per call)',
    target: '≤ pods / 500 (relay StatusBatchSize)',
    pattern:
      /scale: (\d+) pods[\s\S]*steady \d+ s: (\d+) \/status calls \((\S+) per tick\), pods per call min (\d+) max (\d+)/,
    format: (m) => `${m[3]} (${m[2]} calls in the window, ${m[4]}-${m[5]} pods each, ${m[1]} pods)`,
    met: (m) => n(m, 3) <= Math.ceil(n(m, 1) / 500) * 1.1,
  },
  {
    step: 'vk-scale',
    what: 'scale: status change at the plugin → API server, p99',
    target: '≤ 2 s',
    pattern: /API visibility p50 (\S+) s, p99 (\S+) s/,
    format: (m) => `p50 ${m[1]} s, p99 ${m[2]} s`,
    met: (m) => n(m, 2) <= 2,
  },
  {
    step: 'vk-scale',
    what: 'scale: virtual kubelet idle CPU and RSS',
    target: '≤ 10 % of a core, ≤ 300 MB',
    pattern: /idle CPU (\S+) % of one core; RSS (\S+) MB/,
    format: (m) => `${m[1]} %, ${m[2]} MB`,
    met: (m) => n(m, 1) <= 10 && n(m, 2) <= 300,
  },
  {
    step: 'vk-scale',
    what: 'scale: relay CPU and RSS at steady state',
    target: '—',
    pattern: /relay at steady state: CPU (\S+) % of one core; RSS (\S+) MB/,
    format: (m) => `${m[1]} %, ${m[2]} MB`,
  },
  {
    step: 'relay',
    what: 'relay overhead per /status request: p50 / p99',
    target: '—',
    pattern: /relay overhead\s+p50 (\S+)\s+p99 (\S+)/,
    format: (m) => `${m[1]} / ${m[2]} ms`,
  },
  {
    step: 'relay',
    what: 'relay requests/s on loopback (concurrency 32)',
    target: '—',
    pattern: /throughput through the relay \(concurrency \d+, \d+ requests\): (\d+) req\/s/,
    format: (m) => `${m[1]} req/s`,
  },
  {
    step: 'vk-docker',
    what: 'log follow latency, container write → kubectl logs -f: p50 / p99',
    target: 'p99 ≤ 250 ms',
    pattern: /p50 (\d+) ms, p99 (\d+) ms, max (\d+) ms/,
    format: (m) => `${m[1]} / ${m[2]} ms`,
    met: (m) => n(m, 2) <= 250,
  },
  {
    step: 'vk-docker',
    what: 'log follow throughput',
    target: '—',
    pattern: /= (\S+) MB\/s/,
    format: (m) => `${m[1]} MB/s`,
  },
  ...(SIDE_BY_SIDE_NOT_RUN ? [] : SIDE_BY_SIDE),
  {
    step: 'kubelet-flood',
    what: 'kubelet API flood of bad bearer tokens (concurrency 400): 2 s pod apply→Succeeded, alone / during the flood (medians)',
    target: 'delay < 1 s',
    pattern:
      /pod apply → Succeeded \(2 s pod, (\d+) runs each\): alone median (\S+) s, during the flood median (\S+) s max (\S+) s; delay (\S+) s/,
    format: (m) => `${m[2]} / ${m[3]} s (max ${m[4]} s), delay ${m[5]} s (${m[1]} runs)`,
    met: (m) => n(m, 5) < 1,
  },
  {
    step: 'kubelet-flood',
    what: 'kubelet API flood: longest gap between Lease renewals overlapping a flood',
    target: '≤ 10.5 s',
    pattern: /Lease renewals: max gap overlapping a flood (\S+) s \((\d+) gaps\), otherwise (\S+) s/,
    format: (m) => `${m[1]} s (${m[2]} gaps; ${m[3]} s without flood)`,
    met: (m) => n(m, 1) <= 10.5,
  },
  {
    step: 'kubelet-flood',
    what: 'kubelet API flood: answers, rate, TokenReviews made per flood',
    target: '401/429 only',
    pattern:
      /flood of (\d+) requests[\s\S]*flood answers in total: 401 × (\d+), 429 × (\d+), other × (\d+); median (\d+) requests\/s; TokenReviews per flood max (\d+)/,
    format: (m) =>
      `${m[1]} per flood: 401 × ${m[2]}, 429 × ${m[3]}, other × ${m[4]}; ${m[5]} req/s; ≤ ${m[6]} TokenReviews`,
    met: (m) => n(m, 4) === 0,
  },
];
