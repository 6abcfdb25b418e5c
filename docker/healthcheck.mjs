// HEALTHCHECK for the interLink images (they carry no curl): GET a /healthz endpoint, exit 0 on
// a 2xx answer within 4 s, 1 otherwise. The URL comes from the first argument or
// $HEALTHCHECK_URL: http(s)://host:port/path, or unix:///path/to.sock for a unix-socket
// listener (path /healthz). Certificates are not verified: this checks liveness, not identity.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

// `${NAME}` in the URL is replaced by that environment variable (e.g. ${KUBELET_PORT}).
const target = (process.argv[2] || process.env.HEALTHCHECK_URL || '').replace(
  /\$\{([A-Z_][A-Z0-9_]*)\}/g,
  (_, name) => process.env[name] ?? '',
);
if (!target) {
  console.error('healthcheck: no URL (argument or HEALTHCHECK_URL)');
  process.exit(1);
}

let options;
let send = httpRequest;
if (target.startsWith('unix://')) {
  options = { socketPath: target.slice('unix://'.length), path: '/healthz', host: 'localhost' };
} else {
  const url = new URL(target);
  if (url.protocol === 'https:') send = httpsRequest;
  options = {
    hostname: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    rejectUnauthorized: false,
  };
}

const req = send({ ...options, method: 'GET', timeout: 4000 }, (res) => {
  res.resume();
  const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
  if (!ok) console.error(`healthcheck: ${target} answered ${res.statusCode}`);
  process.exit(ok ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('no answer within 4 s')));
req.on('error', (err) => {
  console.error(`healthcheck: ${target}: ${err.message}`);
  process.exit(1);
});
req.end();
