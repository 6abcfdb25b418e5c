import { Type, type Static } from '@sinclair/typebox';

const Bool = (def = false, description?: string) =>
  Type.Boolean({ default: def, ...(description ? { description } : {}) });
const Str = (description?: string) => Type.Optional(Type.String(description ? { description } : {}));
const Seconds = (def: number, description: string, minimum = 0) =>
  Type.Number({ default: def, minimum, description });

/**
 * The node controller configuration. Upstream keys (an upstream InterLinkConfig.yaml for the
 * virtual kubelet loads unchanged) plus our own tuning keys, each with a default.
 */
export const VkConfigSchema = Type.Object({
  // ---- upstream keys ----
  InterlinkURL: Type.String({
    minLength: 1,
    description: 'relay: unix:///path, http://host or https://host (no port)',
  }),
  InterlinkPort: Type.String({ default: '', description: 'appended as :<port> to http(s) URLs' }),
  VKTokenFile: Str('bearer token file for the relay, re-read on every request'),
  HTTP: Type.Object({ Insecure: Bool(), CaCert: Str('CA for the relay, PEM or DER') }, { default: {} }),
  TLS: Type.Object(
    { Enabled: Bool(), CertFile: Str(), KeyFile: Str(), CACertFile: Str() },
    { default: {}, description: 'mTLS client towards the relay' },
  ),
  KubernetesApiAddr: Str('API server address as seen from the remote side'),
  KubernetesApiPort: Str(),
  KubernetesApiCaCrt: Str('PEM text replacing kube-root-ca.crt in projected volumes'),
  DisableProjectedVolumes: Bool(),
  SkipDownwardAPIResolution: Bool(false, 'accepted for compatibility; env is always fully resolved'),
  JobScriptBuilderURL: Type.String({ default: '' }),
  Resources: Type.Object(
    {
      CPU: Type.String({ default: '100' }),
      Memory: Type.String({ default: '3000G' }),
      Pods: Type.String({ default: '10000' }),
      Accelerators: Type.Array(
        Type.Object({
          ResourceType: Type.String({ minLength: 1 }),
          Model: Type.String({ default: '' }),
          Available: Type.String({ default: '0' }),
        }),
        { default: [] },
      ),
    },
    { default: {} },
  ),
  NodeLabels: Type.Array(Type.String({ pattern: '^[^=]+=.*$' }), {
    default: [],
    description: '"key=value" entries',
  }),
  NodeTaints: Type.Array(
    Type.Object({
      Key: Type.String({ minLength: 1 }),
      Value: Type.String({ default: '' }),
      Effect: Type.String({ default: 'NoSchedule' }),
    }),
    { default: [] },
  ),
  PodCIDR: Type.Object(
    {
      Subnet: Type.String({ default: '' }),
      MinIP: Type.Integer({ default: 0 }),
      MaxIP: Type.Integer({ default: 250 }),
    },
    { default: {} },
  ),
  DisableCSR: Bool(false, 'true: self-signed serving certificate instead of a kubelet-serving CSR'),
  KubeletCertFile: Str(),
  KubeletKeyFile: Str(),
  KubeletCSRSignerName: Type.String({ default: 'kubernetes.io/kubelet-serving' }),
  KubeletHTTP: Type.Object({ Insecure: Bool(), CaCert: Str() }, { default: {} }),
  VerboseLogging: Bool(),
  ErrorsOnlyLogging: Bool(),
  // Parsed for compatibility; not used by this node controller.
  Network: Type.Optional(Type.Object({}, { additionalProperties: true })),
  Pprof: Type.Optional(Type.Object({}, { additionalProperties: true })),
  VKConfigPath: Str(),
  ServiceAccount: Str(),
  Namespace: Str(),
  PodIP: Str('node InternalIP when the POD_IP variable is not set'),
  ExportPodData: Type.Optional(Type.Boolean()),

  // ---- our keys ----
  PingIntervalSeconds: Seconds(10, 'relay ping period', 1),
  PingTimeoutSeconds: Seconds(10, 'ping answer deadline', 1),
  PingFailureThreshold: Type.Integer({
    default: 3,
    minimum: 1,
    description: 'consecutive failed pings before the node goes NotReady',
  }),
  StatusIntervalSeconds: Seconds(1.5, 'status polling period for running pods', 0.1),
  StatusFastIntervalSeconds: Seconds(0.2, 'polling period right after a create', 0.05),
  StatusChunkSize: Type.Integer({
    default: 1000,
    minimum: 1,
    description: 'pods per /status request (bigger nodes are split)',
  }),
  RemoteJobLostGraceSeconds: Seconds(
    60,
    'a pod missing from every status answer this long is Failed (RemoteJobLost)',
  ),
  CreateRetryMaxSeconds: Seconds(300, 'how long a create is retried while the relay is unreachable'),
  TokenRotationCheckSeconds: Seconds(
    30,
    'how often running pods are checked for projected service-account tokens to rotate (and failed volume pushes retried)',
    1,
  ),
  VolumeRefreshSeconds: Seconds(
    60,
    'how often the ConfigMap/Secret/downwardAPI volume content of a running pod is compared with the API (0 = never)',
  ),
  TokenRefreshFraction: Type.Number({
    default: 0.8,
    exclusiveMinimum: 0,
    maximum: 1,
    description: 'share of a projected token lifetime after which it is replaced (kubelet: 0.8)',
  }),
  OrphanSweepSeconds: Seconds(
    300,
    'how often remote pods of this node without an API pod (deleted while the node controller was down) are deleted; also once at start (0 = never; needs the /listPods extension)',
  ),
  DeleteMaxWaitSeconds: Seconds(
    600,
    'how long a remote delete is retried before the pod is removed anyway (0 = forever)',
  ),
  LeaseDurationSeconds: Type.Integer({ default: 40, minimum: 1 }),
  LeaseRenewIntervalSeconds: Seconds(10, 'node lease renewal period', 1),
  NodeStatusMaxIntervalSeconds: Seconds(60, 'node status is patched at least this often', 1),
  PodSyncWorkers: Type.Integer({ default: 10, minimum: 1 }),
  KubeAPIQPS: Type.Number({
    default: 100,
    minimum: 0,
    description: 'client-side API rate limit (events have their own budget)',
  }),
  KubeAPIBurst: Type.Integer({ default: 200, minimum: 1 }),
  EventQPS: Type.Number({
    default: 50,
    minimum: 0,
    description: 'client-side rate limit for Kubernetes Events',
  }),
  EventBurst: Type.Integer({ default: 100, minimum: 1 }),
  KubeletReviewQPS: Type.Number({
    default: 10,
    minimum: 0,
    description: 'TokenReviews/SubjectAccessReviews per second that kubelet API callers may trigger (0 = no limit); over it they get 429',
  }),
  KubeletReviewBurst: Type.Integer({ default: 20, minimum: 1 }),
  KubeletReviewMaxInFlight: Type.Integer({
    default: 10,
    minimum: 0,
    description: 'reviews for kubelet API callers waiting on the API server at once (0 = no bound)',
  }),
  SkipDaemonSetPods: Bool(
    false,
    'leave DaemonSet pods Pending with a clear reason instead of offloading them',
  ),
  KubeletAuthentication: Type.Object(
    {
      ClientCAFile: Str('CA for client certificates; default the cluster CA from the kubeconfig'),
      Anonymous: Bool(false, 'allow unauthenticated requests (as system:anonymous)'),
      Webhook: Bool(true, 'check bearer tokens with TokenReview'),
      WebhookCacheTTLSeconds: Seconds(120, 'how long TokenReview answers are reused, valid and invalid tokens alike (kubelet --authentication-token-webhook-cache-ttl)'),
    },
    { default: {} },
  ),
  KubeletAuthorization: Type.Object(
    {
      Mode: Type.Union([Type.Literal('Webhook'), Type.Literal('AlwaysAllow')], { default: 'Webhook' }),
      WebhookCacheAuthorizedTTLSeconds: Seconds(300, 'how long an allowing SubjectAccessReview answer is reused (kubelet --authorization-webhook-cache-authorized-ttl)'),
      WebhookCacheUnauthorizedTTLSeconds: Seconds(30, 'how long a denying SubjectAccessReview answer is reused (kubelet --authorization-webhook-cache-unauthorized-ttl)'),
    },
    { default: {} },
  ),
  KubeletCertDir: Type.String({
    default: '/tmp/certs',
    description: 'where the CSR-issued serving certificate is kept',
  }),
  MetricsAddress: Type.String({
    default: '',
    description: 'optional plain-HTTP listener for /healthz and /metrics, e.g. 0.0.0.0:10255',
  }),
});

export type VkConfig = Static<typeof VkConfigSchema>;

/** Environment variables → config keys (upstream names). */
export const VK_ENV: Record<string, string> = {
  VKTOKENFILE: 'VKTokenFile',
};
