// CPU per request of a trivial route: node alone, express's Router, an express() application.
// Usage (repository root): node libs/http-kit/bench/express-overhead.cjs plain|router|express
const http = require('http');
const express = require('express');
const Router = require('router');
const mode = process.argv[2];
const N = 20000;
let handler;
const h = (req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"a":1}'); };
if (mode === 'express') { const app = express(); app.all('/status', h); handler = app; }
else if (mode === 'router') { const r = Router(); r.all('/status', h); handler = (req, res) => r(req, res, () => { res.statusCode = 404; res.end(); }); }
else handler = h;
const server = http.createServer(handler).listen(0, async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const port = server.address().port;
  const one = () => new Promise((ok) => { const r = http.request({ port, path: '/status', agent }, (x) => { x.resume(); x.on('end', ok); }); r.end(); });
  const run = async (n) => { let i = 0; await Promise.all(Array.from({ length: 16 }, async () => { while (i++ < n) await one(); })); };
  await run(3000);
  const c0 = process.cpuUsage(); await run(N); const c = process.cpuUsage(c0);
  console.log(mode, ((c.user + c.system) / N).toFixed(1), 'µs/req');
  process.exit(0);
});
