export * from './constants';
export { Codec, ContractError, type Refinement } from './codec';
export { imageReferenceProblem } from './refinements';
export * from './codecs';
export * from './encode';
export { logRequestProblem, type LogRequestRules } from './log-request';
export { relayOpenApi, pluginOpenApi } from './openapi';
export { GO_ZERO_TIME } from './schemas/helpers';
export type {
  AcceleratorResponse,
  ContainerLogOpts,
  CreateStruct,
  LogStruct,
  PingResponse,
  PodCreateRequests,
  PodStatus,
  RemotePod,
  ResourcesResponse,
  RetrievedContainer,
  RetrievedPodData,
  ScriptBuildConfig,
  TaintResponse,
} from './schemas/messages';
