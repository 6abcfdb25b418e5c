import Docker from 'dockerode';

/** A Docker client for the configured endpoint (undefined options: DOCKER_HOST / default socket). */
export function createDockerClient(options: Docker.DockerOptions | undefined): Docker {
  return options ? new Docker(options) : new Docker();
}
