import { Type } from '@sinclair/typebox';
import type { V1ConfigMap, V1ContainerStatus, V1Pod, V1Secret } from '@kubernetes/client-node';
import { INT64_MAX, K8sArray, K8sObject, Quantity, StringMap, Time } from './helpers';

/** An optional Go `*int64` the API server bounds: null or an integer in [minimum, int64 max]. */
function OptionalInt64(minimum: number, description?: string) {
  return Type.Optional(
    Type.Union(
      [Type.Integer({ minimum, maximum: INT64_MAX }), Type.Null()],
      description ? { description } : {},
    ),
  );
}

/** A user or group id as the API server accepts it: an integer in [0, 2^31 - 1], never shell text. */
const PosixId = Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 2147483647 }), Type.Null()]));
const SecurityIds = {
  runAsUser: PosixId,
  runAsGroup: PosixId,
};
const ContainerSecurityContext = Type.Union([Type.Object(SecurityIds), Type.Null()]);
const PodSecurityContext = Type.Union([
  Type.Object({
    ...SecurityIds,
    fsGroup: PosixId,
    supplementalGroups: K8sArray(Type.Integer({ minimum: 0, maximum: 2147483647 })),
  }),
  Type.Null(),
]);

// Kubernetes objects are validated only as far as the interLink components depend on them;
// every other field passes through untouched (additional properties are allowed everywhere).

const ObjectMeta = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    namespace: Type.Optional(Type.String()),
    uid: Type.String({ minLength: 1 }),
    resourceVersion: Type.Optional(Type.String()),
    creationTimestamp: Type.Optional(Time),
    deletionTimestamp: Type.Optional(Time),
    deletionGracePeriodSeconds: OptionalInt64(0),
    labels: Type.Optional(Type.Union([StringMap, Type.Null()])),
    annotations: Type.Optional(Type.Union([StringMap, Type.Null()])),
  },
  { title: 'ObjectMeta' },
);

/** Metadata of ConfigMaps/Secrets: the pseudo-ConfigMaps of projected volumes carry no uid. */
const LooseObjectMeta = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    namespace: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    creationTimestamp: Type.Optional(Time),
  },
  { title: 'LooseObjectMeta' },
);

const EnvVar = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    value: Type.Optional(Type.String()),
    valueFrom: Type.Optional(Type.Object({})),
  },
  { title: 'EnvVar' },
);

const VolumeMount = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    mountPath: Type.String({ minLength: 1 }),
    subPath: Type.Optional(Type.String()),
    readOnly: Type.Optional(Type.Boolean()),
  },
  { title: 'VolumeMount' },
);

const ResourceRequirements = Type.Object(
  {
    limits: Type.Optional(Type.Union([Type.Record(Type.String(), Quantity), Type.Null()])),
    requests: Type.Optional(Type.Union([Type.Record(Type.String(), Quantity), Type.Null()])),
  },
  { title: 'ResourceRequirements' },
);

const Container = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    image: Type.Optional(Type.String()),
    command: K8sArray(Type.String()),
    args: K8sArray(Type.String()),
    workingDir: Type.Optional(Type.String()),
    env: K8sArray(EnvVar),
    envFrom: K8sArray(Type.Object({})),
    volumeMounts: K8sArray(VolumeMount),
    resources: Type.Optional(ResourceRequirements),
    imagePullPolicy: Type.Optional(Type.String()),
    securityContext: Type.Optional(Type.Union([Type.Object({}), Type.Null()])),
  },
  { title: 'Container' },
);

const ContainerPort = Type.Object(
  {
    containerPort: Type.Integer({ minimum: 1, maximum: 65535 }),
    hostPort: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()])),
    protocol: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['TCP', 'UDP', 'SCTP', ''] })),
  },
  { title: 'ContainerPort' },
);

/** A container that is about to run: it needs an image (a valid reference, checked in pod-checks.ts). */
const RunnableContainer = Type.Composite(
  [
    Container,
    Type.Object({
      image: Type.String({ minLength: 1, description: 'an image reference (distribution grammar)' }),
      securityContext: Type.Optional(ContainerSecurityContext),
      ports: K8sArray(ContainerPort),
    }),
  ],
  { title: 'RunnableContainer' },
);

const Volume = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
  },
  {
    title: 'Volume',
    description: 'A v1.Volume; configMap, secret, projected, emptyDir, hostPath, ... pass through',
  },
);

const PodSpecFields = {
  volumes: K8sArray(Volume),
  restartPolicy: Type.Optional(Type.String()),
  terminationGracePeriodSeconds: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  activeDeadlineSeconds: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  nodeName: Type.Optional(Type.String()),
  serviceAccountName: Type.Optional(Type.String()),
};

const PodStatusObject = Type.Object(
  {
    phase: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  { title: 'V1PodStatus' },
);

/** A pod named in status, delete and updateCache requests: identity is what matters. */
export const PodSchema = K8sObject<V1Pod>(
  Type.Object(
    {
      metadata: ObjectMeta,
      spec: Type.Optional(
        Type.Object({
          ...PodSpecFields,
          containers: K8sArray(Container),
          initContainers: K8sArray(Container),
        }),
      ),
      status: Type.Optional(PodStatusObject),
    },
    {
      title: 'Pod',
      description: 'A Kubernetes v1.Pod as client-go encodes it (usually without kind/apiVersion)',
    },
  ),
);

/** What the API server validates in a pod spec before any kubelet sees it. */
const ValidatedPodSpecFields = {
  ...PodSpecFields,
  restartPolicy: Type.Optional(
    Type.Unsafe<string>({
      type: 'string',
      enum: ['Always', 'OnFailure', 'Never', ''],
      description: 'Always, OnFailure or Never; empty (Go zero value) means Always',
    }),
  ),
  terminationGracePeriodSeconds: OptionalInt64(0, 'seconds, ≥ 0'),
  activeDeadlineSeconds: OptionalInt64(1, 'seconds, a positive int64'),
  securityContext: Type.Optional(PodSecurityContext),
};

/** A pod to run: it needs a spec with at least one container, every container with an image. */
export const PodToCreateSchema = K8sObject<V1Pod>(
  Type.Object(
    {
      metadata: ObjectMeta,
      spec: Type.Object({
        ...ValidatedPodSpecFields,
        containers: Type.Array(RunnableContainer, { minItems: 1 }),
        initContainers: K8sArray(RunnableContainer),
      }),
      status: Type.Optional(PodStatusObject),
    },
    { title: 'PodToCreate', description: 'A Kubernetes v1.Pod to offload' },
  ),
);

export const ConfigMapSchema = K8sObject<V1ConfigMap>(
  Type.Object(
    {
      metadata: LooseObjectMeta,
      data: Type.Optional(Type.Union([StringMap, Type.Null()])),
      binaryData: Type.Optional(Type.Union([StringMap, Type.Null()])),
    },
    { title: 'ConfigMap', description: 'A v1.ConfigMap; binaryData values are base64' },
  ),
);

export const SecretSchema = K8sObject<V1Secret>(
  Type.Object(
    {
      metadata: LooseObjectMeta,
      data: Type.Optional(
        Type.Union([Type.Record(Type.String(), Type.String({ contentEncoding: 'base64' })), Type.Null()]),
      ),
      type: Type.Optional(Type.String()),
    },
    { title: 'Secret', description: 'A v1.Secret; data values are base64' },
  ),
);

const ContainerStateWaiting = Type.Object({
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});
const ContainerStateRunning = Type.Object({ startedAt: Type.Optional(Time) });
const ContainerStateTerminated = Type.Object({
  exitCode: Type.Integer(),
  signal: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  startedAt: Type.Optional(Time),
  finishedAt: Type.Optional(Time),
  containerID: Type.Optional(Type.String()),
});
const ContainerState = Type.Object(
  {
    waiting: Type.Optional(Type.Union([ContainerStateWaiting, Type.Null()])),
    running: Type.Optional(Type.Union([ContainerStateRunning, Type.Null()])),
    terminated: Type.Optional(Type.Union([ContainerStateTerminated, Type.Null()])),
  },
  { title: 'ContainerState', description: 'Exactly one of waiting, running, terminated (or none: unknown)' },
);

export const ContainerStatusSchema = K8sObject<V1ContainerStatus>(
  Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      state: Type.Optional(ContainerState),
      lastState: Type.Optional(ContainerState),
      ready: Type.Optional(Type.Boolean()),
      restartCount: Type.Optional(Type.Integer({ minimum: 0 })),
      image: Type.Optional(Type.String()),
      imageID: Type.Optional(Type.String()),
      containerID: Type.Optional(Type.String()),
      started: Type.Optional(Type.Boolean()),
    },
    { title: 'ContainerStatus', description: 'A v1.ContainerStatus' },
  ),
);
