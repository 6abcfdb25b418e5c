import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '@interlink/logging';

/**
 * Static bearer tokens from a file: one per line, blank lines and `#` comments ignored. The file
 * is re-read when its mtime, size or inode changes (checked at most once per `recheckMs`), so a
 * refresher can rotate tokens without a restart. Comparison is constant-time over SHA-256
 * digests of every configured token, so neither content nor length leaks through timing.
 */
export class TokenAuthenticator {
  private digests: Buffer[] = [];
  private signature = '';
  private checkedAt = 0;

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly recheckMs = 1000,
  ) {
    this.reload(true);
  }

  get tokenCount(): number {
    return this.digests.length;
  }

  /** True when `token` is one of the configured tokens. */
  accepts(token: string): boolean {
    this.maybeReload();
    const candidate = digest(token);
    let match = false;
    for (const d of this.digests) match = timingSafeEqual(d, candidate) || match;
    return match;
  }

  private maybeReload(): void {
    const now = Date.now();
    if (now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    this.reload(false);
  }

  private reload(initial: boolean): void {
    let sig: string;
    try {
      const s = statSync(this.file);
      sig = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (err) {
      if (initial) throw new Error(`token file ${this.file}: ${(err as Error).message}`);
      // Keep the last good tokens: a refresher replacing the file must not lock everybody out.
      this.logger.warn('token file unreadable; keeping the previous tokens', { file: this.file, err });
      return;
    }
    if (sig === this.signature) return;
    const text = readFileSync(this.file, 'utf8');
    const tokens = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    this.digests = tokens.map(digest);
    this.signature = sig;
    this.checkedAt = Date.now();
    if (tokens.length === 0) this.logger.warn('token file holds no tokens: every bearer token will be refused', { file: this.file });
    else if (!initial) this.logger.info('token file reloaded', { file: this.file, tokens: tokens.length });
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
