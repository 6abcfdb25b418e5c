import { pipeline } from 'node:stream/promises';
import { logRequestProblem, LogStructCodec, makeLogStruct, type LogStruct } from '@interlink/api';
import { HttpError, type RequestContext } from '@interlink/http-kit';
import { pluginAnswerError } from '../plugin/pluginErrors';
import { decodeBody } from './decodeBody';
import { contentType } from './deleteRoute';
import type { RelayDeps } from './RelayDeps';

const MAX_ERROR_BODY = 64 * 1024;

/**
 * GET /getLogs with a LogStruct: validate, then stream the plugin's bytes as they come.
 * `pipeline` gives backpressure (the plugin socket is paused while the caller's is full) and
 * tears the plugin request down when the caller disconnects.
 */
export function logsRoute(deps: RelayDeps) {
  return async (ctx: RequestContext): Promise<void> => {
    const { value: req } = await decodeBody(ctx, LogStructCodec, 'a LogStruct object');
    ctx.logFields['namespace'] = req.Namespace;
    ctx.logFields['pod'] = req.PodName;
    ctx.logFields['uid'] = req.PodUID;
    ctx.logFields['container'] = req.ContainerName;
    const problem = logRequestProblem(req, { allowTailWithBytes: true });
    if (problem) throw new HttpError(400, problem);

    const upstream = await deps.plugin.logs(reencode(req), { sessionId: ctx.sessionId, signal: ctx.signal });
    if (upstream.status !== 200) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of upstream.stream) {
        size += (chunk as Buffer).length;
        if (size > MAX_ERROR_BODY) break;
        chunks.push(chunk as Buffer);
      }
      upstream.stream.destroy();
      const body = Buffer.concat(chunks);
      throw pluginAnswerError(
        {
          status: upstream.status,
          headers: upstream.headers,
          body,
          text: () => body.toString('utf8'),
          json: () => undefined,
        },
        '/getLogs',
      );
    }
    ctx.res.writeHead(200, {
      'Content-Type': contentType(upstream.headers['content-type'], 'text/plain; charset=utf-8'),
    });
    ctx.res.flushHeaders();
    deps.metrics.logStreams.inc();
    try {
      await pipeline(upstream.stream, ctx.res);
    } catch (err) {
      if (!ctx.signal.aborted) {
        // The plugin broke the stream: the status line is gone, so cut the connection to make
        // the truncation visible instead of ending it as if the log were complete.
        ctx.logger.warn('log stream from the plugin failed', { err });
        ctx.res.destroy();
      }
    } finally {
      deps.metrics.logStreams.dec();
      ctx.logFields['streamed'] = true;
    }
  };
}

/**
 * Exactly the LogStruct keys, in Go field order, as upstream's re-encoded struct: unknown keys
 * the caller sent (including `__proto__`/`constructor`) never reach the plugin.
 */
function reencode(req: LogStruct): LogStruct {
  const { Namespace, PodUID, PodName, ContainerName, Opts } = req;
  return makeLogStruct({ Namespace, PodUID, PodName, ContainerName, Opts });
}
