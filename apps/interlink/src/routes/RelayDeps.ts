import type { ScriptBuildConfig } from '@interlink/api';
import type { JobScriptBuilderClient } from '../builder/JobScriptBuilderClient';
import type { PluginClient } from '../plugin/PluginClient';
import type { RelayMetrics } from '../RelayMetrics';
import type { StatusBatcher } from '../status/StatusBatcher';
import type { StatusCache } from '../status/StatusCache';

/** What the route handlers share. */
export interface RelayDeps {
  plugin: PluginClient;
  cache: StatusCache;
  batcher: StatusBatcher;
  builder: JobScriptBuilderClient;
  metrics: RelayMetrics;
  jobConfig: ScriptBuildConfig | undefined;
  version: string;
}
