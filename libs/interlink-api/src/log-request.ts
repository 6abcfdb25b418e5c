import type { LogStruct } from './schemas/messages';
import { sinceTimeOf } from './encode';

const DNS_LABEL = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
const POD_UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface LogRequestRules {
  /** The kubelet allows tailLines with limitBytes; upstream's relay refuses it. */
  allowTailWithBytes?: boolean;
}

/** The relay's log-request checks; returns the problem or undefined when the request is fine. */
export function logRequestProblem(
  req: LogStruct,
  rules: LogRequestRules = { allowTailWithBytes: true },
): string | undefined {
  if (!DNS_LABEL.test(req.Namespace) || req.Namespace.length > 63)
    return 'invalid namespace: must be a valid DNS label';
  if (!POD_UID.test(req.PodUID)) return 'invalid pod UID: must be a valid UUID';
  if (req.ContainerName !== '' && (!DNS_LABEL.test(req.ContainerName) || req.ContainerName.length > 63)) {
    return 'invalid container name: must be a valid DNS label';
  }
  if (!rules.allowTailWithBytes && req.Opts.Tail !== 0 && req.Opts.Bytes !== 0) {
    return 'Both Tail and LimitBytes set. Set only one of them';
  }
  if (req.Opts.SinceSeconds !== 0 && sinceTimeOf(req.Opts) !== undefined) {
    return 'Both SinceSeconds and SinceTime set. Set only one of them';
  }
  return undefined;
}
