import type { VkConfig } from './vk-config';

/** Process settings that come from the environment or flags rather than the config file. */
export interface RuntimeSettings {
  nodeName: string;
  configPath: string;
  kubeconfig?: string;
  kubeletPort: number;
  kubeletBind: string;
  /** Node InternalIP, also the kubelet endpoint the API server dials. */
  podIP: string;
  version: string;
}

export class SettingsError extends Error {}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function runtimeSettings(
  env: Record<string, string | undefined>,
  flags: { nodename?: string; config?: string },
  version: string,
): RuntimeSettings {
  const nodeName = flags.nodename ?? env['NODENAME'] ?? '';
  if (!nodeName) throw new SettingsError('the node name is required: set NODENAME or pass --nodename <name>');
  if (nodeName.length > 253 || !DNS_SUBDOMAIN.test(nodeName)) {
    throw new SettingsError(`node name "${nodeName}" is not a valid DNS subdomain (lower-case letters, digits, '-' and '.')`);
  }
  const kubeconfig = env['KUBECONFIG'] || undefined;
  if (kubeconfig && (!kubeconfig.startsWith('/') || kubeconfig.split('/').includes('..'))) {
    throw new SettingsError(`KUBECONFIG "${kubeconfig}" must be an absolute path without ".."`);
  }
  const portText = env['KUBELET_PORT'] || '10250';
  const kubeletPort = Number(portText);
  if (!Number.isInteger(kubeletPort) || kubeletPort < 1 || kubeletPort > 65535) {
    throw new SettingsError(`KUBELET_PORT "${portText}" must be a TCP port number`);
  }
  return {
    nodeName,
    configPath: flags.config ?? env['CONFIGPATH'] ?? '/etc/interlink/InterLinkConfig.yaml',
    ...(kubeconfig ? { kubeconfig } : {}),
    kubeletPort,
    kubeletBind: env['KUBELET_URL'] || '0.0.0.0',
    podIP: env['POD_IP'] ?? '',
    version,
  };
}

/** Cross-key checks the schema cannot express. */
export function checkConfig(cfg: VkConfig): void {
  if (cfg.TLS.Enabled && (!cfg.TLS.CertFile || !cfg.TLS.KeyFile)) {
    throw new SettingsError('config key "TLS": TLS.Enabled needs TLS.CertFile and TLS.KeyFile');
  }
  if ((cfg.KubeletCertFile === undefined) !== (cfg.KubeletKeyFile === undefined)) {
    throw new SettingsError('config keys "KubeletCertFile"/"KubeletKeyFile" must be given together');
  }
  if ((cfg.KubernetesApiAddr === undefined) !== (cfg.KubernetesApiPort === undefined)) {
    throw new SettingsError('config keys "KubernetesApiAddr"/"KubernetesApiPort" must be given together');
  }
  if (cfg.LeaseRenewIntervalSeconds >= cfg.LeaseDurationSeconds) {
    throw new SettingsError('config key "LeaseRenewIntervalSeconds" must be shorter than LeaseDurationSeconds');
  }
}
