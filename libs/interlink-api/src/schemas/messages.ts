import { Type, type Static } from '@sinclair/typebox';
import { ConfigMapSchema, ContainerStatusSchema, PodSchema, PodToCreateSchema, SecretSchema } from './k8s';
import { GO_STRUCT } from '../codec';
import { GO_ZERO_TIME, GoStruct, INT64_MAX, NullableArray, Quantity } from './helpers';

/** Hop 1 `/create` request (node controller → relay). Note the spelling `projectedvolumesmaps`. */
export const PodCreateRequestsSchema = Type.Object(
  {
    pod: PodToCreateSchema,
    configmaps: NullableArray(ConfigMapSchema, { description: 'one per configMap volume, in volume order' }),
    secrets: NullableArray(SecretSchema, { description: 'one per secret volume; data is base64' }),
    projectedvolumesmaps: NullableArray(ConfigMapSchema, {
      description:
        'one pseudo-ConfigMap per projected/downwardAPI volume, named after the volume, plain-text data',
    }),
    jobscriptURL: Type.String({ default: '', description: 'job script builder URL; empty when unused' }),
  },
  { title: 'PodCreateRequests' },
);
export type PodCreateRequests = Static<typeof PodCreateRequestsSchema>;

/** Per-container slice of what the container mounts. Note `configMaps` and `projectedvolumemaps`. */
export const RetrievedContainerSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    configMaps: NullableArray(ConfigMapSchema),
    projectedvolumemaps: NullableArray(ConfigMapSchema),
    secrets: NullableArray(SecretSchema),
    emptyDirs: NullableArray(Type.String(), { description: 'deprecated; never filled by relays' }),
  },
  { title: 'RetrievedContainer' },
);
export type RetrievedContainer = Static<typeof RetrievedContainerSchema>;

export const ScriptBuildConfigSchema = Type.Object(
  {
    SingularityHubProxy: GoStruct({
      server: Type.String({ default: '' }),
      master_token: Type.String({ default: '' }),
      cache_validity_seconds: Type.Integer({ default: 0 }),
    }),
    ApptainerOptions: GoStruct({
      executable: Type.String({ default: '' }),
      fakeroot: Type.Boolean({ default: false }),
      containall: Type.Boolean({ default: false }),
      fuseMode: Type.String({ default: '' }),
      noInit: Type.Boolean({ default: false }),
      noHome: Type.Boolean({ default: false }),
      noPrivs: Type.Boolean({ default: false }),
      nvidiaSupport: Type.Boolean({ default: false }),
      cleanenv: Type.Boolean({ default: false }),
      unsquash: Type.Boolean({ default: false }),
    }),
    Volumes: GoStruct({
      scratch_area: Type.String({ default: '' }),
      apptainer_cachedir: Type.String({ default: '' }),
      image_dir: Type.String({ default: '' }),
      additional_directories_in_path: NullableArray(Type.String()),
      fuse_sleep_seconds: Type.Integer({ default: 0 }),
    }),
  },
  {
    title: 'ScriptBuildConfig',
    description: 'Job script builder options; always emitted (all zero when unused); missing groups are zero',
    [GO_STRUCT]: true,
  },
);
export type ScriptBuildConfig = Static<typeof ScriptBuildConfigSchema>;

/** Hop 2 `/create` request (relay → plugin) and the builder request. Note the singular `container`. */
export const RetrievedPodDataSchema = Type.Object(
  {
    pod: PodToCreateSchema,
    container: NullableArray(RetrievedContainerSchema, {
      description: 'init containers first, then containers, each in spec order',
    }),
    jobConfig: Type.Optional(ScriptBuildConfigSchema),
    jobScript: Type.Optional(Type.String()),
  },
  { title: 'RetrievedPodData' },
);
export type RetrievedPodData = Static<typeof RetrievedPodDataSchema>;

/** `/create` answer on both hops: always one object, never an array. */
export const CreateStructSchema = Type.Object(
  {
    PodUID: Type.String({ minLength: 1 }),
    PodJID: Type.String({ default: '' }),
    Warnings: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Extension (not upstream; Go ignores it): human-readable warnings about the accepted pod, e.g. a dropped option; the node controller turns each into a Warning event',
      }),
    ),
  },
  { title: 'CreateStruct' },
);
export type CreateStruct = Static<typeof CreateStructSchema>;

/** One element of a `/status` answer. Note the upper-case `UID` and `JID`. */
export const PodStatusSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      description: 'pod name; an empty name makes the node controller drop the answer',
    }),
    UID: Type.String({ minLength: 1 }),
    namespace: Type.String({ default: '' }),
    JID: Type.Optional(Type.String()),
    containers: NullableArray(ContainerStatusSchema),
    initContainers: NullableArray(ContainerStatusSchema),
  },
  { title: 'PodStatus' },
);
export type PodStatus = Static<typeof PodStatusSchema>;

export const PodListSchema = NullableArray(PodSchema, {
  title: 'PodList',
  description: "Pods to check; `[]` (or Go's `null`) is the ping",
});
export const PodStatusListSchema = NullableArray(PodStatusSchema, {
  description: '`null` means no status available',
});

/**
 * Extension (not upstream): one pod a plugin runs, as `/listPods` answers it. `nodeName` is the
 * virtual node the pod was created for; a node controller only collects orphans of its own node.
 */
export const RemotePodSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    namespace: Type.String({ minLength: 1 }),
    UID: Type.String({ minLength: 1 }),
    nodeName: Type.Optional(
      Type.String({ description: 'spec.nodeName of the pod at creation; absent when unknown' }),
    ),
    JID: Type.Optional(Type.String()),
  },
  { title: 'RemotePod' },
);
export type RemotePod = Static<typeof RemotePodSchema>;
export const RemotePodListSchema = NullableArray(RemotePodSchema, {
  title: 'RemotePodList',
  description: 'Go writes an empty list as `null`',
});

/** Log options. The byte limit travels as `Bytes` (Go field LimitBytes). */
export const ContainerLogOptsSchema = Type.Object(
  {
    Tail: Type.Integer({ minimum: 0, maximum: INT64_MAX, default: 0 }),
    Bytes: Type.Integer({ minimum: 0, maximum: INT64_MAX, default: 0 }),
    Timestamps: Type.Boolean({ default: false }),
    Follow: Type.Boolean({ default: false }),
    Previous: Type.Boolean({ default: false }),
    SinceSeconds: Type.Integer({ minimum: 0, maximum: INT64_MAX, default: 0 }),
    SinceTime: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      default: GO_ZERO_TIME,
      description: `RFC 3339; "${GO_ZERO_TIME}" or null means unset`,
    }),
  },
  { title: 'ContainerLogOpts', default: {}, [GO_STRUCT]: true },
);
export type ContainerLogOpts = Static<typeof ContainerLogOptsSchema>;

export const LogStructSchema = Type.Object(
  {
    Namespace: Type.String({ description: 'required: a log request without it can only be refused' }),
    PodUID: Type.String({ description: 'required: a log request without it can only be refused' }),
    PodName: Type.String({ default: '' }),
    ContainerName: Type.String({ default: '' }),
    Opts: ContainerLogOptsSchema,
  },
  { title: 'LogStruct' },
);
export type LogStruct = Static<typeof LogStructSchema>;

export const AcceleratorResponseSchema = Type.Object(
  {
    resourceType: Type.String({ description: 'extended resource name, e.g. nvidia.com/gpu' }),
    available: Quantity,
  },
  { title: 'AcceleratorResponse' },
);
export type AcceleratorResponse = Static<typeof AcceleratorResponseSchema>;

export const ResourcesResponseSchema = Type.Object(
  {
    cpu: Type.Optional(Quantity),
    memory: Type.Optional(Quantity),
    pods: Type.Optional(Quantity),
    accelerators: Type.Optional(Type.Union([Type.Array(AcceleratorResponseSchema), Type.Null()])),
  },
  { title: 'ResourcesResponse' },
);
export type ResourcesResponse = Static<typeof ResourcesResponseSchema>;

export const TaintResponseSchema = Type.Object(
  {
    key: Type.String(),
    value: Type.Optional(Type.String()),
    effect: Type.Optional(Type.String({ description: 'NoSchedule, PreferNoSchedule or NoExecute' })),
  },
  { title: 'TaintResponse' },
);
export type TaintResponse = Static<typeof TaintResponseSchema>;

/** Ping answer. `taints` absent leaves plugin taints alone; `[]` clears them, so it is not defaulted. */
export const PingResponseSchema = Type.Object(
  {
    status: Type.Optional(Type.String()),
    resources: Type.Optional(ResourcesResponseSchema),
    taints: Type.Optional(Type.Union([Type.Array(TaintResponseSchema), Type.Null()])),
  },
  { title: 'PingResponse' },
);
export type PingResponse = Static<typeof PingResponseSchema>;
