export { PluginError, PodNotFoundError, type CallContext, type PluginBackend } from './backend';
export { createPluginServer, type PluginServer, type PluginServerOptions } from './plugin-server';
export { pluginListenAddress, pluginMetricsListen, type PluginListenConfig } from './listen-address';
export { bearerTokenAuthenticator } from './auth';
export { toHttpError } from './errors';
export { DELETE_ANSWER } from './handlers';
export { InMemoryBackend, type InMemoryBackendOptions } from './in-memory-backend';
export { formatLogTimestamp, logSince, renderLogLines, type TimedLogLine } from './log-options';
export {
  TombstoneStore,
  TOMBSTONE_FILE,
  tombstoneDirOf,
  deletedBeforeCreateMessage,
  type Tombstone,
  type TombstoneStoreOptions,
} from './tombstones';
