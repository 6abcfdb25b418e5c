import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '@interlink/config';
import { normalizeGoFlags } from '../cli';
import { checkConfig, runtimeSettings, SettingsError } from './runtime-settings';
import { VK_ENV, VkConfigSchema } from './vk-config';

const dir = mkdtempSync(join(tmpdir(), 'vk-config-'));

// The node-controller config the upstream helm chart renders (keys unknown to us included).
const UPSTREAM = `
InterlinkURL: "http://interlink.interlink.svc"
InterlinkPort: "3000"
VerboseLogging: true
ErrorsOnlyLogging: false
ServiceAccount: "virtual-kubelet"
Namespace: "interlink"
VKTokenFile: "/opt/interlink/token"
KubeletHTTP:
  Insecure: true
DisableProjectedVolumes: false
PodCIDR:
  Subnet: "10.7.0.0/16"
  MaxIP: 250
  MinIP: 1
Resources:
  CPU: "100"
  Memory: "128Gi"
  Pods: "100"
  Accelerators:
    - ResourceType: "nvidia.com/gpu"
      Model: "a100"
      Available: 4
HTTP:
  Insecure: true
  CaCert: ""
NodeLabels:
  - "accelerator=a100"
NodeTaints:
  - Key: "accelerator"
    Value: "a100"
    Effect: "NoSchedule"
ExportPodData: true
Network:
  EnableTunnel: false
  TunnelImage: "ghcr.io/erebe/wstunnel:latest"
`;

function load(text: string, env: Record<string, string> = {}) {
  const file = join(dir, `c${Math.random()}.yaml`);
  writeFileSync(file, text);
  return loadConfig({ schema: VkConfigSchema, file, env: VK_ENV, environment: env });
}

describe('virtual kubelet configuration', () => {
  it('loads an upstream helm-rendered config unchanged and fills our defaults', () => {
    const cfg = load(UPSTREAM);
    checkConfig(cfg);
    expect(cfg.InterlinkURL).toBe('http://interlink.interlink.svc');
    expect(cfg.Resources.Accelerators[0]).toEqual({ ResourceType: 'nvidia.com/gpu', Model: 'a100', Available: '4' });
    expect(cfg.NodeTaints[0]).toEqual({ Key: 'accelerator', Value: 'a100', Effect: 'NoSchedule' });
    expect(cfg.PingIntervalSeconds).toBe(10);
    expect(cfg.StatusIntervalSeconds).toBe(1.5);
    expect(cfg.KubeletCSRSignerName).toBe('kubernetes.io/kubelet-serving');
    expect(cfg.KubeletAuthorization.Mode).toBe('Webhook');
  });

  it('lets VKTOKENFILE override VKTokenFile', () => {
    expect(load(UPSTREAM, { VKTOKENFILE: '/var/run/token' }).VKTokenFile).toBe('/var/run/token');
  });

  it.each([
    ['InterlinkPort: "3000"\n', 'InterlinkURL'],
    ['InterlinkURL: "http://x"\nNodeLabels: ["novalue"]\n', 'NodeLabels'],
    ['InterlinkURL: "http://x"\nPingIntervalSeconds: 0\n', 'PingIntervalSeconds'],
    ['InterlinkURL: "http://x"\nKubeletAuthorization: { Mode: Sometimes }\n', 'KubeletAuthorization.Mode'],
  ])('names the bad key (%#)', (text, key) => {
    expect(() => load(text)).toThrow(ConfigError);
    expect(() => load(text)).toThrow(key);
  });

  it('checks keys that go together', () => {
    expect(() => checkConfig(load('InterlinkURL: "http://x"\nTLS: { Enabled: true }\n'))).toThrow(/TLS.CertFile/);
    expect(() => checkConfig(load('InterlinkURL: "http://x"\nKubeletCertFile: /a\n'))).toThrow(/KubeletKeyFile/);
    expect(() => checkConfig(load('InterlinkURL: "http://x"\nLeaseDurationSeconds: 5\n'))).toThrow(/LeaseRenewIntervalSeconds/);
  });
});

describe('runtime settings', () => {
  it('reads the upstream environment variables with our defaults', () => {
    const s = runtimeSettings({ NODENAME: 'vk-1', KUBECONFIG: '/etc/kube/config', POD_IP: '10.0.0.4' }, {}, '1.0.0');
    expect(s).toEqual({ nodeName: 'vk-1', configPath: '/etc/interlink/InterLinkConfig.yaml', kubeconfig: '/etc/kube/config', kubeletPort: 10250, kubeletBind: '0.0.0.0', podIP: '10.0.0.4', version: '1.0.0' });
    expect(runtimeSettings({ NODENAME: 'a', KUBELET_PORT: '10251', KUBELET_URL: '127.0.0.1', CONFIGPATH: '/c.yaml' }, { nodename: 'b' }, 'v')).toMatchObject({ nodeName: 'b', kubeletPort: 10251, kubeletBind: '127.0.0.1', configPath: '/c.yaml' });
  });
  it.each([
    [{}, /NODENAME/],
    [{ NODENAME: 'Bad_Name' }, /DNS subdomain/],
    [{ NODENAME: 'a', KUBECONFIG: 'relative/config' }, /absolute/],
    [{ NODENAME: 'a', KUBECONFIG: '/a/../b' }, /absolute/],
    [{ NODENAME: 'a', KUBELET_PORT: '99999' }, /KUBELET_PORT/],
  ])('refuses to start with a clear message (%#)', (env, message) => {
    expect(() => runtimeSettings(env, {}, 'v')).toThrow(SettingsError);
    expect(() => runtimeSettings(env, {}, 'v')).toThrow(message);
  });
  it('accepts Go-style single-dash flags', () => {
    expect(normalizeGoFlags(['node', 'main.js', '-nodename', 'vk', '-configpath=/c.yaml', '--other'])).toEqual(['node', 'main.js', '--nodename', 'vk', '--configpath=/c.yaml', '--other']);
  });
});
