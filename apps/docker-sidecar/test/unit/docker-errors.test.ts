import { describe, expect, it } from 'vitest';
import { PluginError } from '@interlink/plugin-server';
import { toPluginError } from '../../src/docker/docker-errors';
import { PodSpecError } from '../../src/pod/pod-spec-error';
import { GpuUnavailableError } from '../../src/pod/gpu-allocator';

describe('toPluginError', () => {
  it('maps backend failures to the status the caller should see', () => {
    expect(toPluginError(new PodSpecError('bad volume'), 'create')).toMatchObject({
      status: 400,
      message: 'bad volume',
    });
    expect(toPluginError(new GpuUnavailableError('0 of 0 free'), 'create')).toMatchObject({
      status: 409,
      message: 'insufficient nvidia.com/gpu: 0 of 0 free',
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {
      code: 'ECONNREFUSED',
    });
    expect(toPluginError(refused, 'status')).toMatchObject({
      status: 503,
      message: expect.stringMatching(/^Docker engine unreachable \(status\)/),
    });
    const engine = Object.assign(new Error('(HTTP code 500) server error - conflict'), {
      json: { message: 'Conflict. The container name is in use' },
    });
    expect(toPluginError(engine, 'create')).toMatchObject({
      status: 500,
      message: 'create: Conflict. The container name is in use',
    });
    const own = new PluginError(404, 'pod not found');
    expect(toPluginError(own, 'logs')).toBe(own);
  });
});
