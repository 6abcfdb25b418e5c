import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, sample, scrape, startRelay, type RunningRelay } from './harness';
import { createRequest, logStruct, pod, podStatus, UID_A, UID_B } from './fixtures';

// What Go's zero ScriptBuildConfig marshals to (with the nil slice sent as []), kept as wire text
// so the expectation does not come from the code under test.
const ZERO_JOB_CONFIG: unknown = JSON.parse(
  '{"SingularityHubProxy":{"server":"","master_token":"","cache_validity_seconds":0},' +
    '"ApptainerOptions":{"executable":"","fakeroot":false,"containall":false,"fuseMode":"","noInit":false,' +
    '"noHome":false,"noPrivs":false,"nvidiaSupport":false,"cleanenv":false,"unsquash":false},' +
    '"Volumes":{"scratch_area":"","apptainer_cachedir":"","image_dir":"","additional_directories_in_path":[],' +
    '"fuse_sleep_seconds":0}}',
);

describe('relay ⇄ plugin contract', () => {
  const plugin = new RecordingPlugin();
  let r: RunningRelay;

  beforeAll(async () => {
    await plugin.start();
    r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
  });
  afterAll(async () => {
    await r.stop();
    await plugin.stop();
  });
  afterEach(() => {
    plugin.requests.length = 0;
  });

  describe('/create', () => {
    it('reshapes PodCreateRequests into RetrievedPodData per container and passes the CreateStruct back', async () => {
      plugin.answer('/create', 200, { PodUID: UID_B, PodJID: '4817263' });
      const res = await r.client.request({
        method: 'POST',
        path: '/create',
        json: createRequest(),
        headers: { 'InterLink-Http-Session': 'CreatePod#48213' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.json()).toEqual({ PodUID: UID_B, PodJID: '4817263' });

      const [call] = plugin.calls('/create');
      expect(call!.method).toBe('POST');
      expect(call!.headers['content-type']).toBe('application/json');
      expect(call!.headers['interlink-http-session']).toBe('CreatePod#48213');
      expect(call!.headers['authorization']).toBeUndefined();
      const sent = JSON.parse(call!.body);
      expect(Object.keys(sent).sort()).toEqual(['container', 'jobConfig', 'pod']);
      expect(sent.pod.metadata.uid).toBe(UID_B);
      expect(sent.jobConfig).toEqual(ZERO_JOB_CONFIG);
      expect(sent.container.map((c: { name: string }) => c.name)).toEqual(['stage-input', 'simulate']);
      const [init, main] = sent.container;
      // mounted twice (two volumeMounts), sent once
      expect(init.configMaps.map((c: { metadata: { name: string } }) => c.metadata.name)).toEqual([
        'g4sim-config',
      ]);
      expect(init.projectedvolumemaps.map((c: { metadata: { name: string } }) => c.metadata.name)).toEqual([
        'kube-api-access-7xk2p',
      ]);
      expect(init.secrets).toEqual([]);
      expect(main.configMaps).toEqual([]);
      expect(main.secrets[0].data).toEqual({ KEY: 'QUtJQQ==' });
      expect(main.projectedvolumemaps[0].data.token).toBe('eyJ...');
      expect(Object.keys(init).sort()).toEqual([
        'configMaps',
        'emptyDirs',
        'name',
        'projectedvolumemaps',
        'secrets',
      ]);
    });

    it('accepts any method and unwraps a legacy one-element array answer', async () => {
      plugin.answer('/create', 200, [{ PodUID: UID_B, PodJID: 'j1' }]);
      const res = await r.client.request({ method: 'PUT', path: '/create', json: createRequest() });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ PodUID: UID_B, PodJID: 'j1' });
    });

    it('passes a plugin failure status through with the plugin text and the session id', async () => {
      plugin.answer('/create', 504, 'sbatch: error: invalid partition specified: gpu', 'text/plain');
      const res = await r.client.request({
        method: 'POST',
        path: '/create',
        json: createRequest(),
        headers: { 'InterLink-Http-Session': 'CreatePod#1' },
      });
      expect(res.status).toBe(504);
      expect(res.json()).toEqual({
        error: 'plugin answered 504 on /create: sbatch: error: invalid partition specified: gpu',
        origin: 'plugin',
        pluginStatus: 504,
        sessionId: 'CreatePod#1',
      });
    });

    it('a huge plugin error body is quoted readably: truncated to 4 KiB with its size', async () => {
      const huge = `sbatch: error: ${'x'.repeat(200_000)}`;
      plugin.answer('/create', 500, huge, 'text/plain');
      const res = await r.client.request({ method: 'POST', path: '/create', json: createRequest() });
      expect(res.status).toBe(500);
      const error = (res.json() as { error: string }).error;
      expect(error.startsWith('plugin answered 500 on /create: sbatch: error: xxx')).toBe(true);
      expect(error).toContain(`… (${huge.length} bytes)`);
      expect(error.length).toBeLessThan(4300);
    });

    it('502 when the plugin answers 200 with something that is not a CreateStruct', async () => {
      plugin.answer('/create', 200, '<html>proxy error</html>', 'text/html');
      const garbage = await r.client.request({ method: 'POST', path: '/create', json: createRequest() });
      expect(garbage.status).toBe(502);
      expect((garbage.json() as { error: string }).error).toMatch(
        /^plugin answered \/create with an unusable body: not JSON/,
      );
      plugin.answer('/create', 200, { PodJID: 'x' });
      const partial = await r.client.request({ method: 'POST', path: '/create', json: createRequest() });
      expect(partial.status).toBe(502);
      expect((partial.json() as { error: string }).error).toContain('PodUID');
    });

    it('500 naming the problem when a job script builder is requested but not configured', async () => {
      const res = await r.client.request({
        method: 'POST',
        path: '/create',
        json: createRequest('http://127.0.0.1:1/build'),
      });
      expect(res.status).toBe(500);
      expect((res.json() as { error: string }).error).toContain('no JobScriptBuildConfig');
      expect(plugin.calls('/create')).toHaveLength(0);
    });
    it('several init and app containers: init first, each in spec order, each with only the objects it mounts', async () => {
      plugin.answer('/create', 200, { PodUID: UID_A, PodJID: 'multi' });
      const req = {
        pod: {
          metadata: { name: 'multi', namespace: 'ns', uid: UID_A },
          spec: {
            volumes: [
              { name: 'cm-a', configMap: { name: 'conf-a' } },
              { name: 'cm-b', configMap: { name: 'conf-b' } },
              { name: 'creds', secret: { secretName: 'creds-x' } },
              { name: 'sa-token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
              { name: 'host', hostPath: { path: '/data' } },
            ],
            // deliberately not alphabetical, so spec order is distinguishable from sorting
            initContainers: [
              { name: 'zz-init', image: 'busybox', volumeMounts: [{ name: 'creds', mountPath: '/creds' }] },
              { name: 'aa-init', image: 'busybox', volumeMounts: [{ name: 'host', mountPath: '/data' }] },
            ],
            containers: [
              { name: 'worker', image: 'busybox', volumeMounts: [{ name: 'cm-b', mountPath: '/b' }] },
              {
                name: 'app',
                image: 'busybox',
                volumeMounts: [
                  { name: 'cm-a', mountPath: '/a' },
                  { name: 'creds', mountPath: '/creds' },
                  { name: 'sa-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
                ],
              },
            ],
          },
        },
        configmaps: [
          { metadata: { name: 'conf-a', namespace: 'ns' }, data: { a: '1' } },
          { metadata: { name: 'conf-b', namespace: 'ns' }, data: { b: '2' } },
          { metadata: { name: 'not-mounted-cm', namespace: 'ns' }, data: { leak: 'cm' } },
        ],
        secrets: [
          { metadata: { name: 'creds-x', namespace: 'ns' }, data: { k: 'eA==' }, type: 'Opaque' },
          {
            metadata: { name: 'not-mounted-secret', namespace: 'ns' },
            data: { leak: 'cw==' },
            type: 'Opaque',
          },
        ],
        projectedvolumesmaps: [
          { metadata: { name: 'sa-token' }, data: { token: 'tok' } },
          { metadata: { name: 'not-mounted-projection' }, data: { leak: 'p' } },
        ],
        jobscriptURL: '',
      };
      const res = await r.client.request({ method: 'POST', path: '/create', json: req });
      expect(res.status).toBe(200);
      const sent = JSON.parse(plugin.calls('/create')[0]!.body) as {
        container: Record<string, { metadata: { name: string } }[] | string | null>[];
      };
      const names = (list: unknown): string[] =>
        ((list ?? []) as { metadata: { name: string } }[]).map((o) => o.metadata.name);
      expect(
        sent.container.map((c) => ({
          name: c['name'],
          configMaps: names(c['configMaps']),
          secrets: names(c['secrets']),
          projected: names(c['projectedvolumemaps']),
        })),
      ).toEqual([
        { name: 'zz-init', configMaps: [], secrets: ['creds-x'], projected: [] },
        { name: 'aa-init', configMaps: [], secrets: [], projected: [] },
        { name: 'worker', configMaps: ['conf-b'], secrets: [], projected: [] },
        { name: 'app', configMaps: ['conf-a'], secrets: ['creds-x'], projected: ['sa-token'] },
      ]);
      expect(plugin.calls('/create')[0]!.body).not.toContain('not-mounted');
      expect(plugin.calls('/create')[0]!.body).not.toContain('leak');
    });
  });

  describe('/status', () => {
    it('GET with a pod list body; only requested pods come back, in request order', async () => {
      plugin.answer('/status', 200, [
        podStatus(UID_B),
        podStatus(UID_A),
        podStatus('99999999-0000-4000-8000-000000000000'),
      ]);
      const res = await r.client.request({
        method: 'GET',
        path: '/status',
        json: [pod(UID_A), pod(UID_B)],
        headers: { 'InterLink-Http-Session': 'GetStatus#7' },
      });
      expect(res.status).toBe(200);
      expect((res.json() as { UID: string }[]).map((s) => s.UID)).toEqual([UID_A, UID_B]);
      const [call] = plugin.calls('/status');
      expect(call!.method).toBe('GET');
      expect(call!.headers['interlink-http-session']).toBe('GetStatus#7');
      expect(JSON.parse(call!.body).map((p: { metadata: { uid: string } }) => p.metadata.uid)).toEqual([
        UID_A,
        UID_B,
      ]);
    });

    it('one plugin call for many pods (batched), also via POST', async () => {
      const uids = Array.from(
        { length: 50 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      );
      plugin.on('/status', (req, res) => {
        const asked = JSON.parse(req.body) as { metadata: { uid: string } }[];
        res.end(JSON.stringify(asked.map((p) => podStatus(p.metadata.uid))));
      });
      const res = await r.client.request({ method: 'POST', path: '/status', json: uids.map((u) => pod(u)) });
      expect((res.json() as unknown[]).length).toBe(50);
      expect(plugin.calls('/status')).toHaveLength(1);
    });

    it('unknown pods are omitted; an empty plugin answer gives []', async () => {
      plugin.answer('/status', 200, null);
      const res = await r.client.request({
        method: 'GET',
        path: '/status',
        json: [pod('11111111-0000-4000-8000-000000000000')],
      });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual([]);
    });

    it('plugin non-200 passes through; garbage is 502', async () => {
      plugin.answer('/status', 500, 'squeue: error: slurm_load_jobs error', 'text/plain');
      const failed = await r.client.request({
        method: 'GET',
        path: '/status',
        json: [pod('22222222-0000-4000-8000-000000000000')],
      });
      expect(failed.status).toBe(500);
      expect((failed.json() as { error: string }).error).toContain('squeue: error');
      plugin.answer('/status', 200, '{"not":"a list"}');
      const garbage = await r.client.request({
        method: 'GET',
        path: '/status',
        json: [pod('33333333-0000-4000-8000-000000000000')],
      });
      expect(garbage.status).toBe(502);
      expect((garbage.json() as { error: string }).error).toContain('expected a JSON array of PodStatus');
    });
  });

  describe('/delete and /updateCache', () => {
    it('DELETE with a pod body → plugin POST /delete with the exact original bytes', async () => {
      plugin.answer('/delete', 200, 'All containers for submitted Pods have been deleted', 'text/plain');
      const raw = JSON.stringify({ ...pod(UID_A), extraField: { kept: true } }, null, 1);
      const res = await r.client.request({
        method: 'DELETE',
        path: '/delete',
        body: raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(res.text()).toBe('All containers for submitted Pods have been deleted');
      const [call] = plugin.calls('/delete');
      expect(call!.method).toBe('POST');
      expect(call!.body).toBe(raw);
    });

    it('POST /delete is accepted too and forwarded the same way, with the caller session', async () => {
      plugin.answer('/delete', 200, 'deleted', 'text/plain');
      const raw = JSON.stringify(pod(UID_B));
      const res = await r.client.request({
        method: 'POST',
        path: '/delete',
        body: raw,
        headers: { 'Content-Type': 'application/json', 'InterLink-Http-Session': 'DeletePod#5' },
      });
      expect(res.status).toBe(200);
      expect(res.text()).toBe('deleted');
      const [call] = plugin.calls('/delete');
      expect(call!.method).toBe('POST');
      expect(call!.body).toBe(raw);
      expect(call!.headers['interlink-http-session']).toBe('DeletePod#5');
      expect(call!.headers['content-type']).toBe('application/json');
    });

    it('plugin delete failure passes its code and a readable error through', async () => {
      plugin.answer('/delete', 404, 'no such job', 'text/plain');
      const res = await r.client.request({ method: 'DELETE', path: '/delete', json: pod(UID_A) });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.json()).toMatchObject({
        error: 'plugin answered 404 on /delete: no such job',
        origin: 'plugin',
        pluginStatus: 404,
      });
    });

    it('/updateCache drops the cached status and answers 200 "Updated cache"', async () => {
      plugin.answer('/status', 200, [podStatus(UID_A)]);
      await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A, undefined, 'Succeeded')] });
      expect(r.relay.cache.get(UID_A)).toBeDefined();
      const res = await r.client.request({ method: 'POST', path: '/updateCache', json: pod(UID_A) });
      expect(res.status).toBe(200);
      expect(res.text()).toBe('Updated cache');
      expect(r.relay.cache.get(UID_A)).toBeUndefined();
    });
  });

  describe('/updateVolumes (extension)', () => {
    it('reshapes like /create and forwards to the plugin', async () => {
      plugin.answer('/updateVolumes', 200, {});
      const res = await r.client.request({ method: 'POST', path: '/updateVolumes', json: createRequest() });
      expect(res.status).toBe(200);
      const [call] = plugin.calls('/updateVolumes');
      expect(call!.method).toBe('POST');
      const sent = JSON.parse(call!.body);
      expect(sent.pod.metadata.uid).toBe(UID_B);
      expect(sent.container.map((c: { name: string }) => c.name)).toEqual(['stage-input', 'simulate']);
      expect(sent.container[1].projectedvolumemaps[0].data.token).toBe('eyJ...');
    });

    it("passes the plugin's PodNotFound through; a plugin without the route gives a plain 404", async () => {
      plugin.answer('/updateVolumes', 404, { error: 'no such pod', reason: 'PodNotFound' });
      const gone = await r.client.request({ method: 'POST', path: '/updateVolumes', json: createRequest() });
      expect(gone.status).toBe(404);
      expect(gone.json()).toMatchObject({ reason: 'PodNotFound' });
      plugin.answer('/updateVolumes', 404, '404 page not found\n', 'text/plain');
      const missing = await r.client.request({
        method: 'POST',
        path: '/updateVolumes',
        json: createRequest(),
      });
      expect(missing.status).toBe(404);
      expect((missing.json() as { reason?: string }).reason).toBeUndefined();
    });

    it('rejects a malformed body before calling the plugin', async () => {
      const res = await r.client.request({ method: 'POST', path: '/updateVolumes', json: { pod: {} } });
      expect(res.status).toBe(400);
      expect(plugin.calls('/updateVolumes')).toHaveLength(0);
    });
  });

  describe('/listPods (extension)', () => {
    it("forwards as GET /listPods with the caller's session and returns the validated list", async () => {
      const pods = [{ name: 'p', namespace: 'ns', UID: UID_A, nodeName: 'vk', JID: '7' }];
      plugin.answer('/listPods', 200, pods);
      const res = await r.client.request({
        method: 'GET',
        path: '/listPods',
        headers: { 'InterLink-Http-Session': 'sess-list' },
      });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual(pods);
      const [call] = plugin.calls('/listPods');
      expect(call!.method).toBe('GET');
      expect(call!.headers['interlink-http-session']).toBe('sess-list');
    });

    it('a plugin without the route gives 404; a list without UIDs is a 502 naming the problem', async () => {
      plugin.answer('/listPods', 404, '404 page not found\n', 'text/plain');
      expect((await r.client.request({ method: 'GET', path: '/listPods' })).status).toBe(404);
      plugin.answer('/listPods', 200, [{ name: 'p', namespace: 'ns' }]);
      const bad = await r.client.request({ method: 'GET', path: '/listPods' });
      expect(bad.status).toBe(502);
      expect(bad.json()).toMatchObject({ error: expect.stringMatching(/listPods.*UID/) });
    });
  });

  describe('/pinglink', () => {
    it('POST without body → plugin GET /status with [] and the caller session; answer verbatim', async () => {
      const ping = { status: 'ok', resources: { cpu: '1536', memory: '12000Gi', pods: '1000' }, taints: [] };
      plugin.answer('/status', 200, ping);
      const res = await r.client.request({
        method: 'POST',
        path: '/pinglink',
        headers: { 'InterLink-Http-Session': 'PingInterLink#3' },
      });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual(ping);
      const [call] = plugin.calls('/status');
      expect(call!.method).toBe('GET');
      expect(call!.body).toBe('[]');
      expect(call!.headers['content-type']).toBe('application/json');
      expect(call!.headers['interlink-http-session']).toBe('PingInterLink#3');
    });

    it('legacy answers (null, [], plain text) are passed through as healthy', async () => {
      for (const body of ['null', '[]', 'pong']) {
        plugin.answer('/status', 200, body, 'text/plain');
        const res = await r.client.request({ method: 'POST', path: '/pinglink' });
        expect(res.status).toBe(200);
        expect(res.text()).toBe(body);
      }
    });

    it('plugin error status passes through', async () => {
      plugin.answer('/status', 503, 'maintenance', 'text/plain');
      const res = await r.client.request({ method: 'POST', path: '/pinglink' });
      expect(res.status).toBe(503);
      expect((res.json() as { error: string }).error).toBe(
        'plugin answered 503 on /status (ping): maintenance',
      );
    });
  });

  describe('service endpoints', () => {
    it('/openapi.json, /healthz, /readyz and /metrics', async () => {
      const doc = (await r.client.request({ method: 'GET', path: '/openapi.json' })).json() as {
        info: { version: string };
        paths: Record<string, unknown>;
      };
      expect(doc.info.version).toBe('test-version');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/create', '/status', '/delete', '/getLogs', '/pinglink']),
      );
      expect((await r.client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
      plugin.answer('/status', 200, { status: 'ok' });
      expect((await r.client.request({ method: 'GET', path: '/readyz' })).status).toBe(200);
      const metrics = (await r.client.request({ method: 'GET', path: '/metrics' })).text();
      for (const name of [
        'http_requests_total',
        'http_request_duration_seconds',
        'interlink_plugin_errors_total',
        'interlink_log_streams_in_flight',
        'interlink_status_cache_entries',
      ]) {
        expect(metrics).toContain(name);
      }
      expect(metrics).toMatch(
        /interlink_plugin_errors_total\{endpoint="create",kind="status",service="interlink"\} [1-9]/,
      );
    });

    it('GET /openapi.json: OpenAPI 3.1 with the upstream paths and methods, every $ref resolvable', async () => {
      const res = await r.client.request({ method: 'GET', path: '/openapi.json' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      const doc = res.json() as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
        components: { schemas: Record<string, unknown> };
      };
      expect(doc.openapi).toMatch(/^3\.1\./);
      const methods = (path: string): string[] => Object.keys(doc.paths[path] ?? {}).sort();
      expect(methods('/create')).toContain('post');
      expect(methods('/status')).toEqual(['get', 'post']);
      expect(methods('/delete')).toEqual(['delete', 'post']);
      expect(methods('/getLogs')).toEqual(['get', 'post']);
      expect(methods('/pinglink')).toContain('post');
      expect(methods('/updateCache')).toContain('post');
      const refs = [...res.text().matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
      expect(refs.length).toBeGreaterThan(5);
      for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
    });

    it('no log line (debug level) carries secret data, projected tokens, env values or the bearer token', async () => {
      plugin.answer('/create', 200, { PodUID: UID_B, PodJID: 'quiet' });
      const req = createRequest();
      req.secrets[0]!.data = { KEY: 'U0VDUkVULURBVEEtMTIz' };
      req.projectedvolumesmaps[0]!.data = { token: 'PROJECTED-TOKEN-456', namespace: 'physics' };
      (req.pod.spec.containers[0] as Record<string, unknown>)['env'] = [
        { name: 'PASSWORD', value: 'ENV-VALUE-789' },
      ];
      const before = r.logs.lines.length;
      const res = await r.client.request({
        method: 'POST',
        path: '/create',
        json: req,
        headers: { Authorization: 'Bearer BEARER-TOKEN-000', 'InterLink-Http-Session': 'Quiet#1' },
      });
      expect(res.status).toBe(200);
      expect(plugin.calls('/create')[0]!.body).toContain('ENV-VALUE-789'); // it did travel
      const logged = JSON.stringify(r.logs.lines.slice(before));
      expect(logged).toContain('Quiet#1');
      for (const secret of [
        'U0VDUkVULURBVEEtMTIz',
        'PROJECTED-TOKEN-456',
        'ENV-VALUE-789',
        'BEARER-TOKEN-000',
      ])
        expect(logged).not.toContain(secret);
    });

    it('a session header that is not printable or too long is replaced by a generated one', async () => {
      plugin.answer('/status', 200, { status: 'ok' });
      const res = await r.client.request({
        method: 'POST',
        path: '/pinglink',
        headers: { 'InterLink-Http-Session': 'x'.repeat(300) },
      });
      expect(res.status).toBe(200);
      const session = res.headers['interlink-http-session'] as string;
      expect(session).toMatch(/^Request-[0-9a-f-]{36}$/);
      expect(plugin.calls('/status')[0]!.headers['interlink-http-session']).toBe(session);
    });

    it('metrics: requests by route, method and code; latency histogram per route; plugin errors by endpoint', async () => {
      const before = await scrape(r.client);
      plugin.answer('/status', 200, [podStatus(UID_A)]);
      plugin.answer('/create', 500, 'boom', 'text/plain');
      expect((await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] })).status).toBe(
        200,
      );
      expect((await r.client.request({ method: 'GET', path: '/status', body: '42' })).status).toBe(400);
      expect(
        (await r.client.request({ method: 'POST', path: '/create', json: createRequest() })).status,
      ).toBe(500);
      const after = await scrape(r.client);
      const delta = (name: string, labels: Record<string, string>): number =>
        sample(after, name, labels) - sample(before, name, labels);
      expect(delta('http_requests_total', { route: '/status', method: 'GET', code: '200' })).toBe(1);
      expect(delta('http_requests_total', { route: '/status', method: 'GET', code: '400' })).toBe(1);
      expect(delta('http_requests_total', { route: '/create', method: 'POST', code: '500' })).toBe(1);
      expect(delta('http_request_duration_seconds_count', { route: '/status', method: 'GET' })).toBe(2);
      expect(
        delta('http_request_duration_seconds_bucket', { route: '/status', method: 'GET', le: '+Inf' }),
      ).toBe(2);
      expect(delta('http_request_duration_seconds_count', { route: '/create', method: 'POST' })).toBe(1);
      expect(delta('interlink_plugin_errors_total', { endpoint: 'create', kind: 'status' })).toBe(1);
      expect(delta('interlink_plugin_errors_total', { endpoint: 'status', kind: 'status' })).toBe(0);
    });

    it('unknown paths are counted under one route label, so scanners cannot blow up metric cardinality', async () => {
      const before = await scrape(r.client);
      for (let i = 0; i < 5; i++) {
        const res = await r.client.request({ method: 'GET', path: `/scan-${i}-${Date.now()}` });
        expect(res.status).toBe(404);
      }
      const after = await scrape(r.client);
      const labels = { route: 'unmatched', method: 'GET', code: '404' };
      expect(
        sample(after, 'http_requests_total', labels) - sample(before, 'http_requests_total', labels),
      ).toBe(5);
      expect(after).not.toContain('/scan-');
    });

    it('one log line per request with session id, pod uid, status and duration (create, delete, getLogs, failures)', async () => {
      plugin.answer('/create', 200, { PodUID: UID_B, PodJID: 'j9' });
      plugin.answer('/delete', 200, 'ok', 'text/plain');
      plugin.answer('/getLogs', 200, 'log line\n', 'text/plain');
      const calls = [
        {
          session: 'Log#create',
          method: 'POST',
          path: '/create',
          json: createRequest(),
          uid: UID_B,
          status: 200,
        },
        {
          session: 'Log#delete',
          method: 'DELETE',
          path: '/delete',
          json: pod(UID_A),
          uid: UID_A,
          status: 200,
        },
        { session: 'Log#logs', method: 'GET', path: '/getLogs', json: logStruct(), uid: UID_B, status: 200 },
      ];
      for (const c of calls) {
        const res = await r.client.request({
          method: c.method,
          path: c.path,
          json: c.json,
          headers: { 'InterLink-Http-Session': c.session },
        });
        expect(res.status).toBe(c.status);
        expect(res.headers['interlink-http-session']).toBe(c.session);
        expect(plugin.calls(c.path).at(-1)!.headers['interlink-http-session']).toBe(c.session);
      }
      plugin.answer('/delete', 409, 'job still running', 'text/plain');
      await r.client.request({
        method: 'DELETE',
        path: '/delete',
        json: pod(UID_A),
        headers: { 'InterLink-Http-Session': 'Log#failed' },
      });
      calls.push({
        session: 'Log#failed',
        method: 'DELETE',
        path: '/delete',
        json: pod(UID_A),
        uid: UID_A,
        status: 409,
      });
      for (const c of calls) {
        const lines = r.logs.lines.filter((l) => l['sessionId'] === c.session && l['msg'] === 'request');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({ method: c.method, path: c.path, status: c.status, uid: c.uid });
        expect(typeof lines[0]!['durationMs']).toBe('number');
        expect(lines[0]!['durationMs'] as number).toBeGreaterThanOrEqual(0);
        expect(lines[0]).toMatchObject({ service: 'interlink', level: 'info', time: expect.any(String) });
      }
      const failed = r.logs.lines.find((l) => l['sessionId'] === 'Log#failed' && l['msg'] === 'request')!;
      expect(failed['pluginError']).toBe('plugin answered 409 on /delete: job still running');
    });

    it('generates a session id when absent, forwards it and logs one line per request with the pod uid', async () => {
      const uid = '44444444-0000-4000-8000-000000000000';
      plugin.answer('/status', 200, [podStatus(uid)]);
      const res = await r.client.request({ method: 'GET', path: '/status', json: [pod(uid)] });
      const session = res.headers['interlink-http-session'] as string;
      expect(session).toMatch(/^Request-[0-9a-f-]{36}$/);
      expect(plugin.calls('/status')[0]!.headers['interlink-http-session']).toBe(session);
      const lines = r.logs.lines.filter((l) => l['sessionId'] === session && l['msg'] === 'request');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        method: 'GET',
        path: '/status',
        status: 200,
        uid,
        namespace: 'default',
      });
    });
  });
});
