import { readFileSync } from 'node:fs';
import type { EventRecorder } from './events/event-recorder';
import { CsrCertSource } from './kubelet-api/certs/csr-cert-source';
import { FileCertSource } from './kubelet-api/certs/file-cert-source';
import { SelfSignedCertSource } from './kubelet-api/certs/self-signed-cert-source';
import type { ServingCertSource } from './kubelet-api/certs/serving-cert';
import type { KubeClient } from './kube/kube-client';
import type { VirtualKubeletDeps } from './virtual-kubelet';

/** Serving certificate of the kubelet API: files, self-signed (DisableCSR), or a CSR the administrator approves. */
export function servingCertsFrom(
  deps: Pick<VirtualKubeletDeps, 'cfg' | 'settings' | 'log'>,
  kube: KubeClient,
  events: EventRecorder,
  nodeUid: () => string | undefined,
): ServingCertSource {
  const { cfg, settings, log } = deps;
  const certLog = log.child({ component: 'serving-cert' });
  if (cfg.KubeletCertFile && cfg.KubeletKeyFile)
    return new FileCertSource(cfg.KubeletCertFile, cfg.KubeletKeyFile, certLog);
  if (cfg.DisableCSR) return new SelfSignedCertSource(settings.nodeName, settings.podIP, certLog);
  return new CsrCertSource(
    kube,
    {
      nodeName: settings.nodeName,
      ip: settings.podIP,
      signerName: cfg.KubeletCSRSignerName,
      certDir: cfg.KubeletCertDir,
    },
    events,
    () => ({
      kind: 'Node',
      apiVersion: 'v1',
      name: settings.nodeName,
      uid: nodeUid() ?? settings.nodeName,
    }),
    certLog,
  );
}

/** Client CA: the configured file, else the cluster CA of the kubeconfig. */
export function clientCaFrom(deps: Pick<VirtualKubeletDeps, 'cfg' | 'kubeConfig'>): string | undefined {
  const { cfg, kubeConfig } = deps;
  if (cfg.KubeletAuthentication.ClientCAFile)
    return readFileSync(cfg.KubeletAuthentication.ClientCAFile, 'utf8');
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster?.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster?.caFile) return readFileSync(cluster.caFile, 'utf8');
  return undefined;
}
