import { Type, type Static } from '@sinclair/typebox';

// Upstream keys keep their exact spelling (existing InterLinkConfig.yaml files load unchanged);
// keys this relay adds follow the same PascalCase style and all have safe defaults.

const Port = Type.String({ pattern: '^[0-9]{1,5}$', description: 'TCP port (YAML number or string)' });
const Seconds = (def: number, description: string) => Type.Number({ minimum: 0, default: def, description });

const JobScriptBuildConfig = Type.Object(
  {
    singularity_hub: Type.Object(
      {
        server: Type.String({ default: '' }),
        master_token: Type.String({ default: '' }),
        cache_validity_seconds: Type.Integer({ default: 0 }),
      },
      { default: {} },
    ),
    apptainer_options: Type.Object(
      {
        executable: Type.String({ default: '' }),
        fakeroot: Type.Boolean({ default: false }),
        containall: Type.Boolean({ default: false }),
        fuse_mode: Type.String({ default: '' }),
        no_init: Type.Boolean({ default: false }),
        no_home: Type.Boolean({ default: false }),
        no_privs: Type.Boolean({ default: false }),
        nvidia_support: Type.Boolean({ default: false }),
        cleanenv: Type.Boolean({ default: false }),
        unsquash: Type.Boolean({ default: false }),
      },
      { default: {} },
    ),
    volumes_options: Type.Object(
      {
        scratch_area: Type.String({ default: '' }),
        apptainer_cachedir: Type.String({ default: '' }),
        image_dir: Type.String({ default: '' }),
        additional_directories_in_path: Type.Union([Type.Array(Type.String()), Type.Null()], { default: [] }),
        fuse_sleep_seconds: Type.Integer({ default: 0 }),
      },
      { default: {} },
    ),
  },
  { description: 'Options sent to a job script builder (YAML keys differ from the JSON jobConfig keys)' },
);

export const RelayConfigSchema = Type.Object({
  // --- upstream keys ---
  InterlinkAddress: Type.String({ minLength: 1, description: 'unix:///path, http://bind-host or https://bind-host' }),
  InterlinkPort: Type.Optional(Port),
  SidecarURL: Type.String({ minLength: 1, description: 'plugin address: unix:///path, http://host or https://host' }),
  // Go reads `SidecarPort: ""` as empty (configs for a unix:// plugin carry it); empty = default
  SidecarPort: Type.Optional(Type.String({ pattern: '^([0-9]{1,5})?$', description: 'TCP port; empty: none' })),
  VerboseLogging: Type.Boolean({ default: false }),
  ErrorsOnlyLogging: Type.Boolean({ default: false }),
  DataRootFolder: Type.Optional(Type.String({ description: 'accepted for compatibility; unused' })),
  JobScriptBuildConfig: Type.Optional(JobScriptBuildConfig),
  JobScriptTemplate: Type.Optional(Type.String()),
  TLS: Type.Object(
    {
      Enabled: Type.Boolean({ default: false }),
      CertFile: Type.Optional(Type.String()),
      KeyFile: Type.Optional(Type.String()),
      CACertFile: Type.Optional(Type.String({ description: 'when set, client certificates are required and verified (mTLS)' })),
    },
    { default: {} },
  ),
  Pprof: Type.Object(
    {
      Enabled: Type.Boolean({ default: false }),
      Address: Type.String({ default: '127.0.0.1' }),
      Port: Type.Union([Type.String(), Type.Integer()], { default: '6061' }),
    },
    { default: {}, description: 'Go profiling; accepted for compatibility, ignored' },
  ),

  // --- keys added by this relay ---
  Auth: Type.Object(
    {
      TokenFile: Type.Optional(Type.String({ description: 'accepted bearer tokens, one per line; re-read when it changes' })),
      JWKSFile: Type.Optional(Type.String({ description: 'JWKS (JSON) to verify JWT bearer tokens' })),
      JWKSURL: Type.Optional(Type.String({ description: 'JWKS URL (e.g. <issuer>/protocol/openid-connect/certs)' })),
      Issuer: Type.Optional(Type.String()),
      Audience: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
      GroupsClaim: Type.String({ default: 'groups' }),
      AllowedGroups: Type.Array(Type.String(), { default: [] }),
      TrustForwardedHeaders: Type.Boolean({
        default: false,
        description: 'log X-Forwarded-User/Email as the principal (only behind a trusted proxy)',
      }),
    },
    { default: {} },
  ),
  SidecarTLS: Type.Object(
    {
      CACertFile: Type.Optional(Type.String()),
      CertFile: Type.Optional(Type.String()),
      KeyFile: Type.Optional(Type.String()),
      InsecureSkipVerify: Type.Boolean({ default: false }),
    },
    { default: {}, description: 'TLS towards an https:// plugin' },
  ),
  SidecarTokenFile: Type.Optional(Type.String({ description: 'bearer token sent to the plugin, re-read per request' })),
  SidecarTimeouts: Type.Object(
    {
      CreateSeconds: Seconds(120, 'create: time to the plugin response headers'),
      StatusSeconds: Seconds(30, 'status'),
      DeleteSeconds: Seconds(120, 'delete'),
      LogsSeconds: Seconds(120, 'getLogs: time to the first response headers (the stream itself is unbounded)'),
      PingSeconds: Seconds(10, 'ping'),
      BuilderSeconds: Seconds(60, 'job script builder call'),
    },
    { default: {} },
  ),
  StatusBatchSize: Type.Integer({ minimum: 1, default: 500, description: 'max pods per plugin /status call' }),
  StatusMaxParallelCalls: Type.Integer({ minimum: 1, default: 4 }),
  StatusCacheFreshSeconds: Seconds(1, 'a cached status younger than this is served without a plugin call (0: always ask)'),
  StatusCacheMaxEntries: Type.Integer({ minimum: 1, default: 100_000 }),
  StatusCacheTTLSeconds: Seconds(600, 'entries not requested for this long are dropped'),
  BodyLimitBytes: Type.Integer({ minimum: 1024, default: 32 * 1024 * 1024 }),
  MetricsListen: Type.Optional(
    Type.String({
      description: 'second listener serving /metrics without authentication (http://host:port or unix:///path), for scrapers; /metrics on the main address needs the same credentials as the API',
    }),
  ),
  SocketMode: Type.Optional(Type.String({ pattern: '^0?[0-7]{3}$', description: 'unix socket file mode, e.g. "0660"' })),
  ShutdownTimeoutSeconds: Seconds(30, 'grace period for in-flight requests on SIGTERM'),
});

export type RelayConfig = Static<typeof RelayConfigSchema>;

/** ENV_VAR → config key (upstream names first). */
export const RELAY_ENV_VARS: Record<string, string> = {
  INTERLINKURL: 'InterlinkAddress',
  INTERLINKPORT: 'InterlinkPort',
  SIDECARURL: 'SidecarURL',
  SIDECARPORT: 'SidecarPort',
  INTERLINK_TOKEN_FILE: 'Auth.TokenFile',
  INTERLINK_JWKS_URL: 'Auth.JWKSURL',
};

export const CONFIG_PATH_ENV = 'INTERLINKCONFIGPATH';
export const DEFAULT_CONFIG_PATH = '/etc/interlink/InterLinkConfig.yaml';
