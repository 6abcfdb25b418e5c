import { describeChain } from './support/chain-suite';

// Pairs: our node controller → upstream relay, upstream relay → our Docker sidecar.
describeChain({ id: 'ourvk-theirrelay', vk: 'ours', relay: 'theirs', plugin: 'docker', basePort: 26010 });
