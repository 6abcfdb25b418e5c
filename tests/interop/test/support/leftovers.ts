import { runOk } from '@interlink/testbench';
import type { RunningChain } from './chain';

/** Docker containers of the pods (our sidecar labels each with its pod's UID). */
export async function dockerLeftovers(uids: string[]): Promise<string[]> {
  const out = await runOk('docker', ['ps', '-a', '--format', '{{.ID}} {{.Label "interlink.pod-uid"}}']);
  const wanted = new Set(uids);
  return out
    .split('\n')
    .filter(Boolean)
    .filter((line) => wanted.has(line.split(' ')[1] ?? ''));
}

/** Slurm jobs still queued or running for the pods (both plugins name a job after its pod UID). */
export async function slurmLeftovers(uids: string[]): Promise<string[]> {
  const out = await runOk('squeue', ['--noheader', '--format=%i %j %T']);
  const wanted = new Set(uids);
  return out
    .split('\n')
    .filter(Boolean)
    .filter((line) => wanted.has(line.trim().split(/\s+/)[1] ?? ''));
}

export function leftovers(chain: RunningChain, uids: string[]): Promise<string[]> {
  return chain.spec.plugin === 'docker' ? dockerLeftovers(uids) : slurmLeftovers(uids);
}
