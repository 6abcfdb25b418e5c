import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@interlink/config';
import { createTestPki } from '@interlink/http-kit';
import { RELAY_ENV_VARS, RelayConfigSchema } from '../src/config/RelayConfigSchema';
import { toRelaySettings } from '../src/config/RelaySettings';
import { buildRelayCli, normalizeGoFlags, readCli } from '../src/cli/RelayCli';
import { captureLogs } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const load = (
  path: string | undefined,
  environment: Record<string, string> = {},
  overrides: Record<string, unknown> = {},
) =>
  loadConfig({
    schema: RelayConfigSchema,
    ...(path ? { file: path } : {}),
    env: RELAY_ENV_VARS,
    environment,
    overrides,
    logger: captureLogs().logger,
  });

describe('relay configuration', () => {
  it('loads the upstream TCP example unchanged', () => {
    const cfg = load(
      file(
        'tcp.yaml',
        'InterlinkAddress: "http://0.0.0.0"\nInterlinkPort: "3000"\nSidecarURL: "http://plugin"\nSidecarPort: "4000"\nVerboseLogging: false\nErrorsOnlyLogging: false\n',
      ),
    );
    const s = toRelaySettings(cfg);
    expect(s.listen).toBe('http://0.0.0.0:3000');
    expect(s.pluginUrl).toBe('http://plugin:4000');
    expect(s.logLevel).toBe('info');
    expect(s.tls).toBeUndefined();
    expect(s.timeouts).toEqual({
      createMs: 120_000,
      statusMs: 30_000,
      deleteMs: 120_000,
      logsMs: 120_000,
      pingMs: 10_000,
      builderMs: 60_000,
    });
  });

  it('loads the edge (unix socket) example and a helm-style file with numbers and foreign keys', () => {
    const edge = toRelaySettings(
      load(
        file(
          'edge.yaml',
          'InterlinkAddress: "unix:///home/hpcuser/.interlink/.interlink.sock"\nInterlinkPort: "0"\nSidecarURL: "unix:///home/hpcuser/.interlink/.plugin.sock"\nSidecarPort: "0"\n',
        ),
      ),
    );
    expect(edge.listen).toBe('unix:///home/hpcuser/.interlink/.interlink.sock');
    expect(edge.pluginUrl).toBe('unix:///home/hpcuser/.interlink/.plugin.sock');
    const logs = captureLogs();
    const helm = loadConfig({
      schema: RelayConfigSchema,
      file: file(
        'helm.yaml',
        'InterlinkAddress: http://localhost\nInterlinkPort: 4000\nSidecarURL: http://localhost\nSidecarPort: 3000\nVerboseLogging: true\nDataRootFolder: /data/interlink\nVKTokenFile: /dev/null\nPprof:\n  Enabled: false\n',
      ),
      environment: {},
      logger: logs.logger,
    });
    expect(helm.InterlinkPort).toBe('4000');
    expect(toRelaySettings(helm).logLevel).toBe('debug');
    expect(logs.lines.find((l) => l['level'] === 'warn')).toMatchObject({ keys: ['VKTokenFile'] });
  });

  it('a file using every upstream key (TLS, Pprof, logging, DataRootFolder, JobScriptBuildConfig) loads without warnings', () => {
    const pki = createTestPki();
    const logs = captureLogs();
    const path = file(
      'full-upstream.yaml',
      [
        'InterlinkAddress: "https://0.0.0.0"',
        'InterlinkPort: "3000"',
        'SidecarURL: "unix:///var/run/plugin.sock"',
        'SidecarPort: "0"',
        'VerboseLogging: false',
        'ErrorsOnlyLogging: true',
        'DataRootFolder: "/data/interlink"',
        'TLS:',
        '  Enabled: true',
        `  CertFile: "${pki.serverCert}"`,
        `  KeyFile: "${pki.serverKey}"`,
        `  CACertFile: "${pki.caCert}"`,
        'Pprof:',
        '  Enabled: false',
        '  Address: "127.0.0.1"',
        '  Port: "6061"',
        'JobScriptBuildConfig:',
        '  singularity_hub:',
        '    server: "hub"',
        '    master_token: "t"',
        '    cache_validity_seconds: 10',
        '  apptainer_options:',
        '    executable: "/usr/bin/apptainer"',
        '    fakeroot: true',
        '    containall: true',
        '    fuse_mode: "host"',
        '    no_init: false',
        '    no_home: true',
        '    no_privs: true',
        '    nvidia_support: false',
        '    cleanenv: true',
        '    unsquash: false',
        '  volumes_options:',
        '    scratch_area: "/scratch"',
        '    apptainer_cachedir: "/cache"',
        '    image_dir: "/images"',
        '    additional_directories_in_path: ["/opt"]',
        '    fuse_sleep_seconds: 3',
        '',
      ].join('\n'),
    );
    const cfg = loadConfig({
      schema: RelayConfigSchema,
      file: path,
      env: RELAY_ENV_VARS,
      environment: {},
      logger: logs.logger,
    });
    const s = toRelaySettings(cfg);
    expect(logs.lines.filter((l) => l['level'] === 'warn' || l['level'] === 'error')).toEqual([]);
    expect(s.listen).toBe('https://0.0.0.0:3000');
    expect(s.pluginUrl).toBe('unix:///var/run/plugin.sock');
    expect(s.logLevel).toBe('error'); // ErrorsOnlyLogging
    expect(s.tls).toEqual({
      certFile: pki.serverCert,
      keyFile: pki.serverKey,
      caFile: pki.caCert,
      requireClientCert: true,
    });
    expect(s.jobConfig).toMatchObject({
      SingularityHubProxy: { server: 'hub', master_token: 't', cache_validity_seconds: 10 },
      ApptainerOptions: {
        executable: '/usr/bin/apptainer',
        fakeroot: true,
        containall: true,
        fuseMode: 'host',
        noHome: true,
        cleanenv: true,
      },
      Volumes: {
        scratch_area: '/scratch',
        apptainer_cachedir: '/cache',
        image_dir: '/images',
        additional_directories_in_path: ['/opt'],
        fuse_sleep_seconds: 3,
      },
    });
    // VerboseLogging wins over ErrorsOnlyLogging, as upstream
    expect(
      toRelaySettings(
        load(
          undefined,
          {},
          {
            InterlinkAddress: 'http://0.0.0.0',
            SidecarURL: 'http://p',
            VerboseLogging: true,
            ErrorsOnlyLogging: true,
          },
        ),
      ).logLevel,
    ).toBe('debug');
  });

  it('each upstream environment variable overrides its key on its own', () => {
    const path = file(
      'env-each.yaml',
      'InterlinkAddress: http://0.0.0.0\nInterlinkPort: "3000"\nSidecarURL: http://plugin\nSidecarPort: "4000"\n',
    );
    const withEnv = (env: Record<string, string>) => toRelaySettings(load(path, env));
    expect(withEnv({})).toMatchObject({ listen: 'http://0.0.0.0:3000', pluginUrl: 'http://plugin:4000' });
    expect(withEnv({ INTERLINKURL: 'unix:///run/il.sock' })).toMatchObject({
      listen: 'unix:///run/il.sock',
      pluginUrl: 'http://plugin:4000',
    });
    expect(withEnv({ INTERLINKPORT: '3999' })).toMatchObject({ listen: 'http://0.0.0.0:3999' });
    expect(withEnv({ SIDECARURL: 'unix:///run/p.sock' })).toMatchObject({
      listen: 'http://0.0.0.0:3000',
      pluginUrl: 'unix:///run/p.sock',
    });
    expect(withEnv({ SIDECARPORT: '4999' })).toMatchObject({ pluginUrl: 'http://plugin:4999' });
  });

  it('environment variables override the file, flags override the environment', () => {
    const path = file(
      'env.yaml',
      'InterlinkAddress: http://0.0.0.0\nInterlinkPort: "3000"\nSidecarURL: http://plugin\nSidecarPort: "4000"\n',
    );
    const s = toRelaySettings(
      load(
        path,
        {
          INTERLINKURL: 'http://127.0.0.1',
          INTERLINKPORT: '3100',
          SIDECARURL: 'http://other',
          SIDECARPORT: '4100',
        },
        { SidecarPort: '4200' },
      ),
    );
    expect(s.listen).toBe('http://127.0.0.1:3100');
    expect(s.pluginUrl).toBe('http://other:4200');
  });

  it('errors name the key: bad port, missing keys, bad address, missing TLS files, template', () => {
    const msg = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(
      msg(() =>
        load(undefined, { SIDECARPORT: 'abc' }, { InterlinkAddress: 'http://x', SidecarURL: 'http://p' }),
      ),
    ).toBe('config key "SidecarPort" (from env SIDECARPORT): must match pattern "^([0-9]{1,5})?$" (got "abc")');
    expect(msg(() => load(undefined))).toContain('config key "InterlinkAddress": is required');
    expect(msg(() => load(undefined))).toContain('config key "SidecarURL": is required');
    const settings = (o: Record<string, unknown>) => () =>
      toRelaySettings(
        load(undefined, {}, { InterlinkAddress: 'http://0.0.0.0', SidecarURL: 'http://p', ...o }),
      );
    expect(msg(settings({ InterlinkAddress: 'tcp://0.0.0.0' }))).toContain(
      'config key "InterlinkAddress": expected unix:///path, http://host or https://host',
    );
    expect(msg(settings({ SidecarURL: 'unix://relative.sock' }))).toContain(
      'config key "SidecarURL": unix socket path must be absolute',
    );
    expect(msg(settings({ InterlinkAddress: 'https://0.0.0.0' }))).toBe(
      'config key "TLS.CertFile": required for an https listener',
    );
    expect(
      msg(settings({ 'TLS.Enabled': true, 'TLS.CertFile': '/nope.crt', 'TLS.KeyFile': '/nope.key' })),
    ).toBe('config key "TLS.CertFile": file /nope.crt not found');
    expect(msg(settings({ 'TLS.CACertFile': '/ca.crt' }))).toContain('config key "TLS.CACertFile"');
    expect(msg(settings({ JobScriptTemplate: '/t.tmpl' }))).toContain('config key "JobScriptTemplate"');
    expect(msg(settings({ 'Auth.Audience': 'x' }))).toContain('config key "Auth.JWKSURL"');
    expect(msg(settings({ InterlinkPort: '99999' }))).toContain('config key "InterlinkPort"');
  });

  it('TLS.Enabled with an http address serves HTTPS; CACertFile turns on mTLS; https plugins take SidecarTLS', () => {
    const pki = createTestPki();
    const s = toRelaySettings(
      load(
        undefined,
        {},
        {
          InterlinkAddress: 'http://0.0.0.0',
          SidecarURL: 'https://plugin.example',
          SidecarPort: '4443',
          TLS: { Enabled: true, CertFile: pki.serverCert, KeyFile: pki.serverKey, CACertFile: pki.caCert },
          SidecarTLS: { CACertFile: pki.caCert },
        },
      ),
    );
    expect(s.listen).toBe('https://0.0.0.0:3000');
    expect(s.tls).toEqual({
      certFile: pki.serverCert,
      keyFile: pki.serverKey,
      caFile: pki.caCert,
      requireClientCert: true,
    });
    expect(s.auth.mutualTls).toBe(true);
    expect(s.pluginUrl).toBe('https://plugin.example:4443');
    expect(s.pluginTls).toEqual({ caFile: pki.caCert, insecureSkipVerify: false });
  });
});

describe('relay CLI', () => {
  const parse = (args: string[], env: Record<string, string | undefined> = {}) => {
    const saved = process.env['INTERLINKCONFIGPATH'];
    if (env['INTERLINKCONFIGPATH']) process.env['INTERLINKCONFIGPATH'] = env['INTERLINKCONFIGPATH'];
    else delete process.env['INTERLINKCONFIGPATH'];
    try {
      const program = buildRelayCli().exitOverride();
      program.parse(normalizeGoFlags(['node', 'interlink', ...args]));
      return readCli(program);
    } finally {
      if (saved === undefined) delete process.env['INTERLINKCONFIGPATH'];
      else process.env['INTERLINKCONFIGPATH'] = saved;
    }
  };

  it('upstream Go-style flags work: -verbose, -errorsonly, -interlinkconfigpath', () => {
    const cli = parse(['-verbose', '-errorsonly', '-interlinkconfigpath', '/etc/x.yaml']);
    expect(cli.overrides).toEqual({ VerboseLogging: true, ErrorsOnlyLogging: true });
    expect(cli.configPath).toBe('/etc/x.yaml');
    expect(cli.configPathExplicit).toBe(true);
  });

  it('config path: --config > INTERLINKCONFIGPATH > default (default may be absent)', () => {
    expect(parse([])).toMatchObject({
      configPath: '/etc/interlink/InterLinkConfig.yaml',
      configPathExplicit: false,
    });
    expect(parse([], { INTERLINKCONFIGPATH: '/env.yaml' })).toMatchObject({
      configPath: '/env.yaml',
      configPathExplicit: true,
    });
    expect(parse(['--config', '/flag.yaml'], { INTERLINKCONFIGPATH: '/env.yaml' })).toMatchObject({
      configPath: '/flag.yaml',
    });
  });

  it('flags for the important keys map to config keys', () => {
    const cli = parse([
      '--interlink-address',
      'unix:///run/il.sock',
      '--sidecar-url',
      'http://p',
      '--sidecar-port',
      '4000',
      '--tls-cert-file',
      '/c',
      '--tls-key-file',
      '/k',
      '--tls-ca-cert-file',
      '/ca',
      '--token-file',
      '/t',
      '--jwks-url',
      'https://iam/certs',
      '--issuer',
      'https://iam/',
      '--audience',
      'interlink',
      '--allowed-group',
      'a',
      'b',
      '--body-limit-bytes',
      '2048',
      '--status-batch-size',
      '100',
      '--socket-mode',
      '0660',
    ]);
    expect(cli.overrides).toEqual({
      InterlinkAddress: 'unix:///run/il.sock',
      SidecarURL: 'http://p',
      SidecarPort: '4000',
      'TLS.CertFile': '/c',
      'TLS.KeyFile': '/k',
      'TLS.CACertFile': '/ca',
      'Auth.TokenFile': '/t',
      'Auth.JWKSURL': 'https://iam/certs',
      'Auth.Issuer': 'https://iam/',
      'Auth.Audience': 'interlink',
      'Auth.AllowedGroups': ['a', 'b'],
      BodyLimitBytes: '2048',
      StatusBatchSize: '100',
      SocketMode: '0660',
    });
    const cfg = load(undefined, {}, cli.overrides);
    expect(cfg.BodyLimitBytes).toBe(2048);
    expect(cfg.StatusBatchSize).toBe(100);
  });

  it('--help documents the env variables', () => {
    let out = '';
    const program = buildRelayCli()
      .exitOverride()
      .configureOutput({ writeOut: (s) => (out += s) });
    expect(() => program.parse(['node', 'interlink', '--help'])).toThrow();
    for (const v of [
      'INTERLINKCONFIGPATH',
      'INTERLINKURL',
      'INTERLINKPORT',
      'SIDECARURL',
      'SIDECARPORT',
      '--sidecar-url',
      '--config',
    ])
      expect(out).toContain(v);
  });
});
