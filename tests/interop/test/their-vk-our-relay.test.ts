import { describeChain } from './support/chain-suite';

// Pair: upstream node controller → our relay (→ our Docker sidecar). Upstream's node controller
// sends /create in the background and may ask /status first: the burst checks that our side
// answers "not created yet" instead of a terminated container.
describeChain({ id: 'theirvk-ourrelay', vk: 'theirs', relay: 'ours', plugin: 'docker', basePort: 26000 });
