import { PluginError } from '@interlink/plugin-server';
import { PodSpecError } from '../pod/pod-spec-error';
import { GpuUnavailableError } from '../pod/gpu-allocator';
import { dockerMessage } from './image-puller';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'EPIPE',
]);

export function isEngineUnreachable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code !== undefined && UNREACHABLE.has(code);
}

/** Backend failure → the status the plugin server answers: 400 bad pod, 409 no GPUs, 503 engine down, 500 else. */
export function toPluginError(err: unknown, what: string): PluginError {
  if (err instanceof PluginError) return err;
  if (err instanceof PodSpecError) return new PluginError(400, err.message);
  if (err instanceof GpuUnavailableError)
    return new PluginError(409, `insufficient nvidia.com/gpu: ${err.message}`);
  if (isEngineUnreachable(err))
    return new PluginError(503, `Docker engine unreachable (${what}): ${(err as Error).message}`);
  return new PluginError(500, `${what}: ${dockerMessage(err)}`);
}
