import { describe } from 'vitest';
import { describeChain } from './support/chain-suite';
import { emptySidecarPortTest } from './support/relay-config';

// Pair: our relay → upstream Slurm plugin (driven by our node controller). Upstream's plugin
// leaves `initContainers` null in its status answer: the init-container pod checks that our node
// controller does not wait for statuses that never come.
describeChain(
  { id: 'ourrelay-theirslurm', vk: 'ours', relay: 'ours', plugin: 'upstream-slurm', basePort: 26020 },
  () => {
    describe('relay config written for upstream', () => emptySidecarPortTest(26029));
  },
);
