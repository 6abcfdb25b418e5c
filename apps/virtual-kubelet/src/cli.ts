import { Command } from 'commander';

/** Go-style single-dash long flags (`-nodename x`, `-configpath f`) as upstream accepts them. */
export function normalizeGoFlags(argv: string[]): string[] {
  const map: Record<string, string> = { '-nodename': '--nodename', '-configpath': '--configpath', '-version': '--version', '-help': '--help' };
  return argv.map((a) => {
    const [flag, ...rest] = a.split('=');
    const mapped = flag !== undefined ? map[flag] : undefined;
    return mapped ? [mapped, ...rest].join('=') : a;
  });
}

export interface CliOptions {
  nodename?: string;
  configpath?: string;
  config?: string;
  checkConfig?: boolean;
}

export function buildCli(version: string): Command {
  return new Command('virtual-kubelet')
    .description('interLink virtual kubelet: a Kubernetes node whose pods run through an interLink relay')
    .version(version, '-v, --version', 'print the version and exit')
    .option('--nodename <name>', 'node name (env NODENAME)')
    .option('-c, --configpath <file>', 'configuration file (env CONFIGPATH, default /etc/interlink/InterLinkConfig.yaml)')
    .option('--config <file>', 'same as --configpath (the flag every interLink TypeScript service takes)')
    .option('--check-config', 'validate the configuration, print it and exit')
    .addHelpText(
      'after',
      `
Environment variables:
  NODENAME      node name
  CONFIGPATH    configuration file
  KUBECONFIG    kubeconfig (absolute path); unset = in-cluster configuration
  KUBELET_PORT  kubelet API port (default 10250), advertised to the API server
  KUBELET_URL   kubelet API bind address (default 0.0.0.0)
  POD_IP        node InternalIP: the API server connects here for logs
  VKTOKENFILE   overrides VKTokenFile
  LOG_LEVEL     debug, info, warn or error (VerboseLogging/ErrorsOnlyLogging win)
`,
    );
}
