import type { Logger } from '@interlink/logging';
import { createPluginServer, tombstoneDirOf, type PluginServer } from '@interlink/plugin-server';
import { Gauge } from 'prom-client';
import { SlurmBackend } from './backend/slurm-backend';
import type { SidecarSettings } from './config/sidecar-settings';
import { SlurmCli } from './slurm/slurm-cli';
import { JobStore } from './store/job-store';

export interface SlurmSidecar {
  readonly backend: SlurmBackend;
  readonly server: PluginServer;
  start(): Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
}

/** The process: a SlurmBackend (job directories + Slurm CLI) behind the shared plugin server. */
export function createSlurmSidecar(settings: SidecarSettings, logger: Logger, version: string): SlurmSidecar {
  const r = settings.raw;
  const cli = new SlurmCli(
    {
      sbatch: r.SbatchPath,
      squeue: r.SqueuePath,
      scancel: r.ScancelPath,
      sacct: r.SacctPath,
      sinfo: r.SinfoPath,
      scontrol: r.ScontrolPath,
    },
    { submitConcurrency: r.SubmitConcurrency },
  );
  const backend = new SlurmBackend(settings, new JobStore(settings.dataRoot), cli, logger);
  const server = createPluginServer({
    backend,
    listen: settings.listen,
    logger,
    name: 'slurm-sidecar',
    version,
    // Beside the job directories, so a restart keeps refusing late creates of deleted pods.
    tombstoneDir: tombstoneDirOf(settings.dataRoot),
    ...(settings.token ? { token: settings.token } : {}),
    ...(settings.metricsListen ? { metricsListen: settings.metricsListen } : {}),
  });
  new Gauge({
    name: 'slurm_sidecar_tracked_jobs',
    help: 'Pods (job directories) the sidecar tracks, by phase',
    labelNames: ['phase'],
    registers: [server.service.registry],
    collect() {
      this.reset();
      for (const rec of backend.store.all()) this.inc({ phase: rec.final ? 'finished' : rec.phase });
    },
  });
  return {
    backend,
    server,
    async start() {
      await backend.recover();
      await server.start();
      logger.info('slurm sidecar listening', {
        url: server.url,
        dataRoot: settings.dataRoot,
        runtime: settings.defaultRuntime,
      });
    },
    stop: (timeoutMs?: number) => server.stop(timeoutMs),
  };
}
