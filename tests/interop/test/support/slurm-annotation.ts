import { expect, it } from 'vitest';
import type { ChainContext } from './chain-suite';
import { apply, podLogs, waitPhase } from './kube';
import { box, podOn } from './pod-kinds';

/** Upstream's own example pod annotation must work on our Slurm sidecar. */
export function slurmFlagsAnnotationTests(get: () => ChainContext): void {
  it('slurm-job.vk.io/flags "--job-name=test-pod-cfg -t 2800" (upstream example) runs the pod', async () => {
    const { ns, chain } = get();
    const pod = podOn(chain.nodeName, 'flags', { containers: [box('flags', 'echo flags accepted')] });
    pod.metadata = {
      ...pod.metadata,
      annotations: { 'slurm-job.vk.io/flags': '--job-name=test-pod-cfg -t 2800' },
    };
    await apply(ns, [pod]);
    await waitPhase(ns, 'flags', ['Succeeded'], 150_000);
    expect(await podLogs(ns, 'flags')).toContain('flags accepted');
  }, 180_000);
}
