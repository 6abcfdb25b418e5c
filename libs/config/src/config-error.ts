/** A configuration problem; `message` always names the offending key or file. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** Dotted key path (e.g. `TLS.CertFile`) when the problem is about one key. */
    readonly key?: string,
    /** The configuration file involved, when there is one. */
    readonly file?: string,
  ) {
    super(message);
  }
}
