import type Docker from 'dockerode';
import type { Logger } from '@interlink/logging';
import { normalizeImage, registryOf, type PullPolicy } from './image-ref';

const KNOWN_IMAGE_TTL_MS = 10_000;

/** A pull failed (reason ErrImagePull) or was not allowed (ErrImageNeverPull); message is Docker's. */
export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull',
    message: string,
  ) {
    super(message);
  }
}

export interface RegistryCredential {
  Server: string;
  Username: string;
  Password: string;
}

export interface ImageInfo {
  id: string;
  /** Configured user of the image, "" when unset (root). */
  user: string;
}

/**
 * Makes images available according to imagePullPolicy. Concurrent requests for one image share
 * a single pull, so fifty pods of one image cause one download.
 */
export class ImagePuller {
  private readonly inflight = new Map<string, Promise<void>>();
  /** Recent inspect results: fifty pods of one image need one lookup, not fifty. */
  private readonly known = new Map<string, { info: ImageInfo; at: number }>();

  constructor(
    private readonly docker: Docker,
    private readonly logger: Logger,
    private readonly credentials: readonly RegistryCredential[] = [],
  ) {}

  async ensure(image: string, policy: PullPolicy): Promise<ImageInfo> {
    const ref = normalizeImage(image);
    if (policy !== 'Always') {
      const present = await this.inspect(ref);
      if (present) return present;
      if (policy === 'Never') {
        throw new ImagePullError(
          'ErrImageNeverPull',
          `Container image "${image}" is not present with pull policy of Never`,
        );
      }
    }
    await this.pullOnce(ref);
    const pulled = await this.inspect(ref);
    if (!pulled) throw new ImagePullError('ErrImagePull', `image ${ref} was pulled but cannot be inspected`);
    return pulled;
  }

  private pullOnce(ref: string): Promise<void> {
    let p = this.inflight.get(ref);
    if (!p) {
      p = this.pull(ref).finally(() => this.inflight.delete(ref));
      this.inflight.set(ref, p);
    }
    return p;
  }

  private async pull(ref: string): Promise<void> {
    this.known.delete(ref);
    const started = Date.now();
    this.logger.info('pulling image', { image: ref });
    const auth = this.credentials.find((c) => c.Server === registryOf(ref));
    try {
      const stream = await this.docker.pull(
        ref,
        auth
          ? { authconfig: { username: auth.Username, password: auth.Password, serveraddress: auth.Server } }
          : {},
      );
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
      });
    } catch (err) {
      const message = dockerMessage(err);
      this.logger.warn('image pull failed', { image: ref, error: message });
      throw new ImagePullError('ErrImagePull', `Failed to pull image "${ref}": ${message}`);
    }
    this.logger.info('image pulled', { image: ref, ms: Date.now() - started });
  }

  private async inspect(ref: string): Promise<ImageInfo | undefined> {
    const hit = this.known.get(ref);
    if (hit && Date.now() - hit.at < KNOWN_IMAGE_TTL_MS) return hit.info;
    try {
      const raw = await this.docker.getImage(ref).inspect();
      const info = { id: raw.Id, user: raw.Config?.User ?? '' };
      this.known.set(ref, { info, at: Date.now() });
      return info;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }
}

/** Docker's own explanation from an engine error (JSON body `message`), else the error text. */
export function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}
