import { ContractError, POD_NOT_FOUND_REASON } from '@interlink/api';
import { HttpError } from '@interlink/http-kit';
import { PluginError, PodNotFoundError } from './backend';

/**
 * Turns whatever a handler or backend threw into the HttpError the service answers with:
 * contract violations are the caller's fault (400, naming the fields), PluginError carries its
 * own status, anything else is a backend failure (500) whose message is still shown.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ContractError) return new HttpError(400, err.message, { issues: err.issues });
  if (err instanceof PodNotFoundError)
    return new HttpError(404, err.message, { reason: POD_NOT_FOUND_REASON });
  if (err instanceof PluginError) return new HttpError(err.status, err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new HttpError(500, `backend failure: ${message}`);
}
