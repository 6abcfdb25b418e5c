import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { makeLogStruct, type ContainerLogOpts, type PodStatus } from '@interlink/api';
import { createLogger, type LogDestination } from '@interlink/logging';
import { ensureBench, waitFor } from '@interlink/testbench';
import { SlurmBackend } from '../../src/backend/slurm-backend';
import type { SlurmSidecarConfig } from '../../src/config/sidecar-config';
import { resolveSettings } from '../../src/config/sidecar-settings';
import { SlurmCli } from '../../src/slurm/slurm-cli';
import { JobStore } from '../../src/store/job-store';
import { testConfig } from '../fixtures';

/** Fails loudly when the bench's Slurm (or Docker) is not there: these tests never skip. */
export async function requireSlurm(docker = false): Promise<void> {
  await ensureBench(docker ? ['slurm', 'docker'] : ['slurm']);
  execFileSync('sinfo', ['--noheader'], { timeout: 30_000 });
}

export const ctx = () => ({ sessionId: 'test#1', signal: new AbortController().signal });

const quiet: LogDestination = { write: () => undefined };

export interface TestSidecar {
  backend: SlurmBackend;
  root: string;
  /** a new backend on the same directory (a sidecar restart) */
  restart(overrides?: Partial<SlurmSidecarConfig>): Promise<SlurmBackend>;
  cleanup(): Promise<void>;
}

/** A sidecar backend on a fresh DataRootFolder; cleanup cancels every job it submitted. */
export async function startSidecar(overrides: Partial<SlurmSidecarConfig> = {}): Promise<TestSidecar> {
  const root = mkdtempSync(join(tmpdir(), 'slurm-sidecar-it-'));
  chmodSync(root, 0o711); // as a data root would be: jobs of other users traverse it
  const make = async (o: Partial<SlurmSidecarConfig>) => {
    const cfg = testConfig({
      ContainerRuntime: 'none',
      DataRootFolder: root,
      StatusCacheSeconds: 0,
      MemoryDefault: '128M',
      // Tests run as root with runtime "none"; the tests of that refusal set it back to false.
      AllowRootWithRuntimeNone: true,
      ...overrides,
      ...o,
    });
    const settings = resolveSettings(cfg);
    const cli = new SlurmCli({
      sbatch: cfg.SbatchPath,
      squeue: cfg.SqueuePath,
      scancel: cfg.ScancelPath,
      sacct: cfg.SacctPath,
      sinfo: cfg.SinfoPath,
      scontrol: cfg.ScontrolPath,
    });
    const b = new SlurmBackend(
      settings,
      new JobStore(settings.dataRoot),
      cli,
      createLogger({ service: 'slurm-sidecar-test', destination: quiet }),
    );
    await b.recover();
    return b;
  };
  const backend = await make({});
  const submitted = new Set<string>();
  const track = (b: SlurmBackend) => {
    const create = b.create.bind(b);
    b.create = async (...args) => {
      const r = await create(...args);
      submitted.add(r.PodJID);
      return r;
    };
    return b;
  };
  track(backend);
  return {
    backend,
    root,
    restart: async (o = {}) => track(await make(o)),
    cleanup: async () => {
      const ids = [...submitted];
      for (let i = 0; i < ids.length; i += 200) {
        try {
          execFileSync('scancel', ids.slice(i, i + 200), { stdio: 'ignore' });
        } catch {
          // already finished
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function statusOf(b: SlurmBackend, pod: V1Pod): Promise<PodStatus> {
  const [s] = await b.status([pod], ctx());
  if (!s) throw new Error(`no status for pod ${pod.metadata?.uid}`);
  return s;
}

/** Waits until every container of the pod has terminated; returns the status. */
export function waitTerminated(b: SlurmBackend, pod: V1Pod, timeoutMs = 150_000): Promise<PodStatus> {
  return waitFor(
    `pod ${pod.metadata?.name} to finish`,
    async () => {
      const s = await statusOf(b, pod);
      return [...s.initContainers, ...s.containers].every((c) => c.state?.terminated) ? s : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

export function waitRunning(
  b: SlurmBackend,
  pod: V1Pod,
  container: string,
  timeoutMs = 150_000,
): Promise<PodStatus> {
  return waitFor(
    `container ${container} to run`,
    async () => {
      const s = await statusOf(b, pod);
      return s.containers.find((c) => c.name === container)?.state?.running ? s : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

export async function readAll(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function logsOf(
  b: SlurmBackend,
  pod: V1Pod,
  container: string,
  opts: Partial<ContainerLogOpts> = {},
  signal?: AbortSignal,
): Promise<string> {
  const req = makeLogStruct({
    Namespace: pod.metadata!.namespace!,
    PodUID: pod.metadata!.uid!,
    PodName: pod.metadata!.name!,
    ContainerName: container,
    Opts: opts,
  });
  return readAll(
    await b.logs(req, { sessionId: 'test#logs', signal: signal ?? new AbortController().signal }),
  );
}

/** `scontrol show job` fields of a job, for checking what Slurm really got. */
export function scontrolJob(jobId: string): Map<string, string> {
  const out = execFileSync('scontrol', ['show', 'job', '-o', jobId], { encoding: 'utf8' });
  const fields = new Map<string, string>();
  for (const m of out.matchAll(/(?:^|\s)([A-Za-z:/]+)=(.*?)(?=\s+[A-Za-z:/]+=|$)/g))
    fields.set(m[1] as string, (m[2] as string).trim());
  return fields;
}

/** An executable wrapper that records each call in a counter file, then runs the real program. */
export function countingWrapper(
  dir: string,
  program: string,
): { path: string; count: () => number; calls: () => string[] } {
  const counter = join(dir, `${program}.calls`);
  writeFileSync(counter, '');
  const path = join(dir, `${program}-counting`);
  writeFileSync(path, `#!/bin/sh\necho "$*" >> '${counter}'\nexec ${program} "$@"\n`);
  chmodSync(path, 0o755);
  return {
    path,
    count: () => execFileSync('cat', [counter], { encoding: 'utf8' }).split('\n').filter(Boolean).length,
    calls: () => execFileSync('cat', [counter], { encoding: 'utf8' }).split('\n').filter(Boolean),
  };
}
