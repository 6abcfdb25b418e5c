// A process that serves like every app's main(): started by sigterm-process.test.ts, which
// sends it a real SIGTERM while a request is in flight.
import { createLogger } from '@interlink/logging';
import { createHttpService, installShutdownHandlers } from '../../src';

const logger = createLogger({ service: 'sigterm-child', level: 'info' });
const service = createHttpService({ name: 'child', listen: 'http://127.0.0.1:0', logger });
service.route('/slow', async (ctx) => {
  await new Promise((r) => setTimeout(r, 1500));
  ctx.send(200, 'finished');
});
await service.start();
installShutdownHandlers([service], { logger, timeoutMs: 10_000 });
process.stdout.write(`LISTENING ${service.url}\n`);
