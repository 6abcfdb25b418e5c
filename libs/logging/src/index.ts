/**
 * @interlink/logging: structured JSON logs, one line per event.
 *
 * Every line is `{"time": "<ISO>", "level": "...", "service": "...", "msg": "...", ...fields}`.
 * Conventional field names (use them so logs can be joined across services):
 * `sessionId` (the InterLink-Http-Session id), `namespace`, `pod`, `uid`, `container`.
 *
 * ```ts
 * const log = createLogger({ service: 'interlink', level: levelFromConfig(cfg) });
 * log.child({ sessionId }).info('pod created', { namespace, pod, uid });
 * ```
 */
export { createLogger, LOG_LEVELS } from './logger';
export type { Logger, LoggerOptions, LogLevel, LogDestination, LogFields } from './logger';
export { levelFromConfig, parseLogLevel } from './level';
export { serializeError } from './serialize';
