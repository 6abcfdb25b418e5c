import { describe } from 'vitest';
import { describeChain } from './support/chain-suite';
import { createAfterDeleteTests } from './support/plugin-wire';

// All upstream but our plugin: upstream node controller → upstream relay → our Docker sidecar.
describeChain(
  { id: 'upstream-ourdocker', vk: 'theirs', relay: 'theirs', plugin: 'docker', basePort: 26030 },
  (ctx) => {
    describe('wire cases upstream produces', () => createAfterDeleteTests(ctx));
  },
);
