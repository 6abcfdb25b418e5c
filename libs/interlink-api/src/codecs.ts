import { Codec } from './codec';
import { ConfigMapSchema, ContainerStatusSchema, PodSchema, SecretSchema } from './schemas/k8s';
import {
  CreateStructSchema,
  LogStructSchema,
  PingResponseSchema,
  PodCreateRequestsSchema,
  PodListSchema,
  PodStatusListSchema,
  PodStatusSchema,
  RemotePodListSchema,
  RetrievedPodDataSchema,
  type CreateStruct,
  type LogStruct,
  type PingResponse,
  type PodCreateRequests,
  type PodStatus,
  type RemotePod,
  type RetrievedPodData,
} from './schemas/messages';
import { logStructProblems, podImageProblems } from './refinements';
import type { V1ConfigMap, V1ContainerStatus, V1Pod, V1Secret } from '@kubernetes/client-node';

export const PodCreateRequestsCodec = new Codec<PodCreateRequests>(
  'PodCreateRequests',
  PodCreateRequestsSchema,
  (req) => podImageProblems(req.pod, 'pod'),
);
export const RetrievedPodDataCodec = new Codec<RetrievedPodData>(
  'RetrievedPodData',
  RetrievedPodDataSchema,
  (data) => podImageProblems(data.pod, 'pod'),
);
export const CreateStructCodec = new Codec<CreateStruct>('CreateStruct', CreateStructSchema);
export const PodCodec = new Codec<V1Pod>('Pod', PodSchema);
export const PodListCodec = new Codec<V1Pod[]>('pod list', PodListSchema);
export const PodStatusCodec = new Codec<PodStatus>('PodStatus', PodStatusSchema);
export const PodStatusListCodec = new Codec<PodStatus[]>('PodStatus list', PodStatusListSchema);
export const LogStructCodec = new Codec<LogStruct>('LogStruct', LogStructSchema, logStructProblems);
export const PingResponseCodec = new Codec<PingResponse>('PingResponse', PingResponseSchema);
export const ConfigMapCodec = new Codec<V1ConfigMap>('ConfigMap', ConfigMapSchema);
export const SecretCodec = new Codec<V1Secret>('Secret', SecretSchema);
export const ContainerStatusCodec = new Codec<V1ContainerStatus>('ContainerStatus', ContainerStatusSchema);
export const RemotePodListCodec = new Codec<RemotePod[]>('RemotePod list', RemotePodListSchema);
