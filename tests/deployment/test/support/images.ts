import { ensureBench, runOk } from '@interlink/testbench';

export const TAG = process.env['INTERLINK_TAG'] ?? 'local';
export const APP_IMAGES = ['interlink', 'docker-sidecar', 'slurm-sidecar', 'virtual-kubelet'] as const;
export const ALL_IMAGES = [...APP_IMAGES, 'slurm'] as const;

let built: Promise<string> | undefined;

/**
 * Builds every image once per test process (tools/deploy/build-images.sh: base images made
 * offline when no registry answers, then the classic builder with its cache).
 */
export function buildImages(): Promise<string> {
  built ??= (async () => {
    await ensureBench(['docker']);
    const started = Date.now();
    const out = await runOk('bash', ['tools/deploy/build-images.sh'], { timeoutMs: 30 * 60_000 });
    console.log(`images built in ${Math.round((Date.now() - started) / 1000)} s`);
    return out;
  })();
  return built;
}

export interface ImageInfo {
  size: number;
  user: string;
  healthcheck?: { Test: string[] };
  entrypoint: string[];
  env: string[];
}

export async function inspectImage(name: string): Promise<ImageInfo> {
  const raw = JSON.parse(await runOk('docker', ['image', 'inspect', `interlink/${name}:${TAG}`])) as Array<{
    Size: number;
    Config: { User: string; Healthcheck?: { Test: string[] }; Entrypoint: string[] | null; Env: string[] };
  }>;
  const c = raw[0]!.Config;
  return {
    size: raw[0]!.Size,
    user: c.User,
    ...(c.Healthcheck ? { healthcheck: c.Healthcheck } : {}),
    entrypoint: c.Entrypoint ?? [],
    env: c.Env,
  };
}
