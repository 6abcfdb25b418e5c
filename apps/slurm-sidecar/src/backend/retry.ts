import { SlurmError } from '../slurm/slurm-cli';

/** Retries `fn` while it fails with a transient Slurm error (controller briefly unreachable). */
export async function retryTransient<T>(fn: () => Promise<T>, attempts = 4, baseMs = 500): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof SlurmError) || !err.transient || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, baseMs * 2 ** (i - 1)));
    }
  }
}
