import { parseFamiliarName } from '@swimlane/docker-reference';
import type { V1Pod } from '@kubernetes/client-node';
import { GO_ZERO_TIME } from './schemas/helpers';
import type { LogStruct } from './schemas/messages';

// Checks the JSON schema cannot express. Each returns `path: problem` lines, like the codec's own.

const MAX_QUOTED = 80;

function quote(text: string): string {
  const shown = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  return JSON.stringify(shown);
}

/** Why `image` is not a reference Docker or a registry would accept, or undefined. */
export function imageReferenceProblem(image: string): string | undefined {
  try {
    parseFamiliarName(image);
    return undefined;
  } catch (err) {
    return `${quote(image)} is not a valid image reference (${(err as Error).message})`;
  }
}

/**
 * Image names become Docker API paths, shell words in job scripts and registry requests: a
 * name such as `busybox$(id)` is refused here rather than half-used downstream.
 */
export function podImageProblems(pod: V1Pod, at: string): string[] {
  const problems: string[] = [];
  const lists = { initContainers: pod.spec?.initContainers, containers: pod.spec?.containers };
  for (const [key, list] of Object.entries(lists)) {
    (list ?? []).forEach((c, i) => {
      const problem = imageReferenceProblem(c.image ?? '');
      if (problem) problems.push(`${at}.spec.${key}[${i}].image: ${problem}`);
    });
  }
  return problems;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Go's time.Time accepts RFC 3339 only; anything else is an error there, so it is one here too. */
export function logStructProblems(req: LogStruct): string[] {
  const since = req.Opts.SinceTime;
  if (since === null || since === GO_ZERO_TIME) return [];
  if (!RFC3339.test(since) || Number.isNaN(Date.parse(since))) {
    return [`Opts.SinceTime: ${quote(since)} is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)`];
  }
  return [];
}
