import { describe } from 'vitest';
import { describeChain } from './support/chain-suite';
import { slurmFlagsAnnotationTests } from './support/slurm-annotation';

// All upstream but our plugin: upstream node controller → upstream relay → our Slurm sidecar.
describeChain(
  { id: 'upstream-ourslurm', vk: 'theirs', relay: 'theirs', plugin: 'slurm', basePort: 26040 },
  (ctx) => {
    describe("upstream's example annotations", () => slurmFlagsAnnotationTests(ctx));
  },
);
