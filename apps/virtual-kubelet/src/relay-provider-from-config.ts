import { RelayProvider, type RelayProviderOptions } from '@interlink/relay-client';
import type { VirtualKubeletDeps } from './virtual-kubelet';

/** The relay transport the configuration describes (URL, port, token file, TLS / mTLS). */
export function relayProviderFrom(
  deps: Pick<VirtualKubeletDeps, 'cfg' | 'log'>,
  onCall: NonNullable<RelayProviderOptions['onCall']>,
): RelayProvider {
  const { cfg } = deps;
  const caFile = cfg.TLS.Enabled ? (cfg.TLS.CACertFile ?? cfg.HTTP.CaCert) : cfg.HTTP.CaCert;
  return new RelayProvider({
    interlinkUrl: cfg.InterlinkURL,
    interlinkPort: cfg.InterlinkPort,
    ...(cfg.VKTokenFile ? { tokenFile: cfg.VKTokenFile } : {}),
    tls: {
      ...(caFile ? { caFile } : {}),
      insecureSkipVerify: cfg.HTTP.Insecure,
      ...(cfg.TLS.Enabled ? { certFile: cfg.TLS.CertFile, keyFile: cfg.TLS.KeyFile } : {}),
    },
    statusChunkSize: cfg.StatusChunkSize,
    logger: deps.log.child({ component: 'relay-client' }),
    onCall,
  });
}
