import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { createLogger } from '@interlink/logging';
import { ConfigError, loadConfig, createCliProgram, flagOverrides } from '../src';

const Schema = Type.Object({
  InterlinkAddress: Type.String({ minLength: 1 }),
  InterlinkPort: Type.String({ default: '3000' }),
  SidecarPort: Type.Integer({ minimum: 1, maximum: 65535, default: 4000 }),
  VerboseLogging: Type.Boolean({ default: false }),
  Mode: Type.Optional(Type.Union([Type.Literal('fast'), Type.Literal('safe')])),
  TLS: Type.Object(
    { Enabled: Type.Boolean({ default: false }), CertFile: Type.Optional(Type.String()) },
    { default: {} },
  ),
});

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
function yamlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function warnings(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({ service: 't', level: 'debug', destination: { write: (l: string) => lines.push(JSON.parse(l)) } }) };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('loads an upstream-style YAML file and fills defaults', () => {
    const file = yamlFile('ok.yaml', 'InterlinkAddress: "http://0.0.0.0"\nInterlinkPort: "3001"\nTLS:\n  Enabled: true\n');
    const cfg = loadConfig({ schema: Schema, file });
    expect(cfg).toEqual({ InterlinkAddress: 'http://0.0.0.0', InterlinkPort: '3001', SidecarPort: 4000, VerboseLogging: false, TLS: { Enabled: true } });
  });

  it('coerces YAML scalars to the schema types (number port into string key, string into integer)', () => {
    const file = yamlFile('coerce.yaml', 'InterlinkAddress: x\nInterlinkPort: 3000\nSidecarPort: "4001"\nVerboseLogging: "true"\n');
    const cfg = loadConfig({ schema: Schema, file });
    expect(cfg.InterlinkPort).toBe('3000');
    expect(cfg.SidecarPort).toBe(4001);
    expect(cfg.VerboseLogging).toBe(true);
  });

  it('env overrides file, CLI overrides env; empty env values are ignored', () => {
    const file = yamlFile('prec.yaml', 'InterlinkAddress: from-file\nSidecarPort: 1\n');
    const cfg = loadConfig({
      schema: Schema,
      file,
      env: { INTERLINKURL: 'InterlinkAddress', SIDECARPORT: 'SidecarPort', TLSCERT: 'TLS.CertFile', EMPTY: 'InterlinkPort' },
      environment: { INTERLINKURL: 'from-env', SIDECARPORT: '2', TLSCERT: '/c.pem', EMPTY: '' },
      overrides: { InterlinkAddress: 'from-cli', 'TLS.Enabled': true, VerboseLogging: undefined },
    });
    expect(cfg.InterlinkAddress).toBe('from-cli');
    expect(cfg.SidecarPort).toBe(2);
    expect(cfg.InterlinkPort).toBe('3000');
    expect(cfg.TLS).toEqual({ Enabled: true, CertFile: '/c.pem' });
  });

  it('names the bad key, the source and the value', () => {
    const err = configError(() =>
      loadConfig({ schema: Schema, env: { SIDECARPORT: 'SidecarPort' }, environment: { SIDECARPORT: 'abc' }, overrides: { InterlinkAddress: 'x' } }),
    );
    expect(err.message).toBe('config key "SidecarPort" (from env SIDECARPORT): must be integer (got "abc")');
    expect(err.key).toBe('SidecarPort');
  });

  it('names nested keys and missing required keys', () => {
    const file = yamlFile('nested.yaml', 'TLS:\n  Enabled: maybe\n');
    const err = configError(() => loadConfig({ schema: Schema, file }));
    expect(err.message).toContain('config key "InterlinkAddress": is required');
    expect(err.message).toContain(`config key "TLS.Enabled" (from file ${file}): must be boolean (got "maybe")`);
  });

  it('reports range and enum problems', () => {
    const range = configError(() => loadConfig({ schema: Schema, overrides: { InterlinkAddress: 'x', SidecarPort: 70000 } }));
    expect(range.message).toBe('config key "SidecarPort" (from command line): must be <= 65535 (got 70000)');
    const en = configError(() => loadConfig({ schema: Schema, overrides: { InterlinkAddress: 'x', Mode: 'slow' } }));
    expect(en.message).toContain('config key "Mode"');
  });

  it('missing file, directory, bad YAML, non-mapping YAML', () => {
    expect(configError(() => loadConfig({ schema: Schema, file: '/nonexistent/x.yaml' })).message).toBe('config file /nonexistent/x.yaml: not found');
    const sub = join(dir, 'adir');
    mkdirSync(sub, { recursive: true });
    expect(configError(() => loadConfig({ schema: Schema, file: sub })).message).toBe(`config file ${sub}: is a directory`);
    const bad = yamlFile('bad.yaml', 'InterlinkAddress: [unclosed\n');
    expect(configError(() => loadConfig({ schema: Schema, file: bad })).message).toMatch(new RegExp(`^config file ${bad}: invalid YAML`));
    const dup = yamlFile('dup.yaml', 'InterlinkAddress: a\nInterlinkAddress: b\n');
    expect(configError(() => loadConfig({ schema: Schema, file: dup })).message).toContain('invalid YAML');
    const list = yamlFile('list.yaml', '- a\n- b\n');
    expect(configError(() => loadConfig({ schema: Schema, file: list })).message).toContain('top level must be a mapping');
  });

  it('optional file: absent is fine, empty file is an empty mapping', () => {
    expect(loadConfig({ schema: Schema, file: '/nonexistent/y.yaml', fileOptional: true, overrides: { InterlinkAddress: 'a' } }).InterlinkAddress).toBe('a');
    const empty = yamlFile('empty.yaml', '');
    expect(configError(() => loadConfig({ schema: Schema, file: empty })).message).toContain('"InterlinkAddress": is required');
  });

  it('unknown keys: warning listing them, dropped from the result, not fatal', () => {
    const { logger, lines } = warnings();
    const file = yamlFile('unknown.yaml', 'InterlinkAddress: a\nVKTokenFile: /t\nTLS:\n  Enabled: false\n  Extra: 1\n');
    const cfg = loadConfig({ schema: Schema, file, logger });
    expect(lines.find((l) => l['level'] === 'warn')).toMatchObject({ keys: ['VKTokenFile', 'TLS.Extra'] });
    expect(cfg).not.toHaveProperty('VKTokenFile');
    expect(cfg.TLS).not.toHaveProperty('Extra');
  });
});

describe('createCliProgram', () => {
  it('provides --config with env fallback, --version and documents env vars', () => {
    const program = createCliProgram({
      name: 'interlink',
      description: 'relay',
      version: '1.2.3',
      configEnvVar: 'INTERLINKCONFIGPATH',
      defaultConfigPath: '/etc/interlink/InterLinkConfig.yaml',
      envVars: { SIDECARURL: 'SidecarURL' },
    });
    program.option('--sidecar-url <url>', 'plugin URL');
    const help = program.helpInformation() + '';
    let footer = '';
    program.configureOutput({ writeOut: (s) => (footer += s), writeErr: (s) => (footer += s) });
    program.exitOverride();
    expect(() => program.parse(['node', 'x', '--help'])).toThrow();
    expect(help).toContain('--config <file>');
    expect(help).toContain('INTERLINKCONFIGPATH');
    expect(footer).toContain('SIDECARURL');
    expect(footer).toContain('overrides SidecarURL');
  });

  it('resolves the config path flag > env > default, and maps flags to overrides', () => {
    const make = () => {
      const p = createCliProgram({ name: 'x', description: 'd', version: '1', configEnvVar: 'TEST_CFG_PATH', defaultConfigPath: '/default.yaml' });
      p.option('--sidecar-url <url>', 'u').exitOverride();
      return p;
    };
    delete process.env['TEST_CFG_PATH'];
    expect(make().parse(['node', 'x']).opts()['config']).toBe('/default.yaml');
    process.env['TEST_CFG_PATH'] = '/env.yaml';
    expect(make().parse(['node', 'x']).opts()['config']).toBe('/env.yaml');
    const p = make().parse(['node', 'x', '--config', '/flag.yaml', '--sidecar-url', 'http://p']);
    delete process.env['TEST_CFG_PATH'];
    expect(p.opts()['config']).toBe('/flag.yaml');
    expect(flagOverrides(p.opts(), { sidecarUrl: 'SidecarURL', missing: 'Other' })).toEqual({ SidecarURL: 'http://p' });
  });

  it('prints the version', () => {
    let out = '';
    const p = createCliProgram({ name: 'x', description: 'd', version: '9.9.9' });
    p.exitOverride().configureOutput({ writeOut: (s) => (out += s) });
    expect(() => p.parse(['node', 'x', '--version'])).toThrow();
    expect(out.trim()).toBe('9.9.9');
  });
});
