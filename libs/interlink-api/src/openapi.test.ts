import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { openApiFiles, renderOpenApi } from './openapi-files';
import { fixture } from '../test/fixtures';

const dir = join(__dirname, '..', 'openapi');
type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('generated OpenAPI documents', () => {
  for (const [file, make] of Object.entries(openApiFiles)) {
    it(`${file} is up to date (run: npm run openapi)`, () => {
      expect(readFileSync(join(dir, file), 'utf8')).toBe(renderOpenApi(make()));
    });

    it(`${file} has only resolvable references`, () => {
      const doc = make() as unknown as Doc;
      for (const ref of refs(doc)) {
        const name = ref.replace('#/components/schemas/', '');
        expect(doc.components.schemas, ref).toHaveProperty(name);
      }
    });
  }

  it('describes the real hop-1 wire format', () => {
    const doc = openApiFiles['relay-openapi.json']!() as unknown as Doc;
    expect(doc.paths['/status']!.get.requestBody).toBeDefined();
    expect(doc.paths['/getLogs']!.get.requestBody).toBeDefined();
    expect(doc.paths['/delete']!.delete.requestBody).toBeDefined();
    expect(doc.paths['/create']!.post.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CreateStruct',
    );
    expect(doc.components.schemas.ContainerLogOpts.properties).toHaveProperty('Bytes');
    expect(doc.components.schemas.PodCreateRequests.properties).toHaveProperty('projectedvolumesmaps');
    expect(doc.components.schemas.PodStatus.properties).toHaveProperty('UID');
    expect(doc.components.schemas.PodStatus.properties).toHaveProperty('initContainers');
  });

  it('describes the real hop-2 wire format', () => {
    const doc = openApiFiles['plugin-openapi.json']!() as unknown as Doc;
    expect(doc.paths['/status']!.get.requestBody).toBeDefined();
    expect(doc.components.schemas.RetrievedContainer.properties).toHaveProperty('projectedvolumemaps');
    expect(doc.components.schemas.RetrievedContainer.properties).toHaveProperty('configMaps');
    expect(doc.components.schemas.RetrievedPodData.properties).toHaveProperty('container');
    expect(doc.components.schemas.RetrievedPodData.properties).toHaveProperty('jobConfig');
  });

  it('documents the /listPods extension on both hops with the RemotePod list the codec validates', () => {
    for (const file of ['relay-openapi.json', 'plugin-openapi.json']) {
      const doc = openApiFiles[file]!() as unknown as Doc;
      const ok = doc.paths['/listPods']!.get.responses['200'].content['application/json'].schema;
      expect(ok.$ref).toBe('#/components/schemas/RemotePodList');
      expect(doc.components.schemas.RemotePod.required).toEqual(['name', 'namespace', 'UID']);
    }
  });
});

describe('the committed documents describe what the codecs read', () => {
  const committed = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Doc;
  // fixture → component that documents it, per hop ('' = not on that hop)
  const documented: Array<[string, string, string]> = [
    // The go-style-* fixtures use keys in other casings, which only the codecs' case-insensitive
    // match accepts; JSON Schema cannot say that, so they are not listed here.
    ['pod-create-requests.json', 'PodCreateRequests', ''],
    ['retrieved-pod-data.json', '', 'RetrievedPodData'],
    ['create-struct.json', 'CreateStruct', 'CreateStruct'],
    ['status-request.json', 'PodList', 'PodList'],
    ['status-response.json', 'PodStatus[]', 'PodStatus[]'],
    ['pod-status.json', 'PodStatus', 'PodStatus'],
    ['log-struct-follow.json', 'LogStruct', 'LogStruct'],
    ['log-struct-since-time.json', 'LogStruct', 'LogStruct'],
    ['ping-response.json', 'PingResponse', 'PingResponse'],
    ['ping-response-minimal.json', 'PingResponse', 'PingResponse'],
    ['delete-pod.json', 'Pod', 'Pod'],
    ['config-map-projected.json', 'ConfigMap', 'ConfigMap'],
    ['secret.json', 'Secret', 'Secret'],
    ['container-status-go-zero.json', 'ContainerStatus', 'ContainerStatus'],
    ['remote-pod-list.json', 'RemotePodList', 'RemotePodList'],
  ];
  const validators = Object.fromEntries(
    ['relay-openapi.json', 'plugin-openapi.json'].map((file) => {
      const ajv = new Ajv({ strict: false, validateFormats: false });
      ajv.addSchema(committed(file) as object, file);
      const validate = (component: string, value: unknown) => {
        const ref = component.endsWith('[]')
          ? { type: 'array', items: { $ref: `${file}#/components/schemas/${component.slice(0, -2)}` } }
          : { $ref: `${file}#/components/schemas/${component}` };
        const ok = ajv.validate(ref, value);
        return ok ? [] : (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
      };
      return [file, validate];
    }),
  );

  for (const [name, relay, plugin] of documented) {
    it(`${name} is valid against its component in both documents`, () => {
      if (relay) expect(validators['relay-openapi.json']!(relay, fixture(name))).toEqual([]);
      if (plugin) expect(validators['plugin-openapi.json']!(plugin, fixture(name))).toEqual([]);
    });
  }

  it('fields the codecs default are optional in the documents, as Go may leave them out', () => {
    const relay = committed('relay-openapi.json').components.schemas;
    expect(validators['relay-openapi.json']!('LogStruct', { Namespace: 'a', PodUID: 'b', Opts: {} })).toEqual(
      [],
    );
    // Opts missing or null is Go's zero ContainerLogOpts.
    expect(relay.LogStruct.required).toEqual(['Namespace', 'PodUID']);
    expect(relay.PodCreateRequests.required).toEqual(['pod']);
    expect(validators['relay-openapi.json']!('PodStatus', { name: 'n', UID: 'u' })).toEqual([]);
    expect(validators['relay-openapi.json']!('LogStruct', { Namespace: 'a', Opts: {} }).join()).toMatch(
      /PodUID/,
    );
  });

  it('a body the codec rejects is invalid against the documented schema too', () => {
    const noUid = fixture<any>('pod-create-requests.json');
    delete noUid.pod.metadata.uid;
    expect(validators['relay-openapi.json']!('PodCreateRequests', noUid).join()).toMatch(/uid/);
    const noBytes = { Namespace: 'a', PodUID: 'b', Opts: { Bytes: 'ten' } };
    expect(validators['plugin-openapi.json']!('LogStruct', noBytes).join()).toMatch(/Bytes/);
  });

  it('both hops share one definition of every common schema (same source)', () => {
    const relay = committed('relay-openapi.json').components.schemas;
    const plugin = committed('plugin-openapi.json').components.schemas;
    const shared = Object.keys(relay).filter((k) => k in plugin);
    expect(shared).toEqual(
      expect.arrayContaining(['Pod', 'PodStatus', 'LogStruct', 'ContainerLogOpts', 'PingResponse']),
    );
    for (const name of shared) expect(plugin[name], name).toEqual(relay[name]);
  });

  it('documents GET bodies, Bytes, initContainers and projected volumes on the plugin hop as well', () => {
    const doc = committed('plugin-openapi.json');
    expect(doc.paths['/getLogs']!.get.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/LogStruct',
    );
    expect(doc.components.schemas.ContainerLogOpts.properties.Bytes.type).toBe('integer');
    expect(doc.components.schemas.PodStatus.properties).toHaveProperty('initContainers');
    expect(doc.components.schemas.RetrievedContainer.properties).toHaveProperty('projectedvolumemaps');
  });
});

describe('OpenAPI 3.1 conformance', () => {
  for (const [file, make] of Object.entries(openApiFiles)) {
    it(`${file} validates against the OpenAPI 3.1 schema`, async () => {
      const { Validator } = await import('@seriousme/openapi-schema-validator');
      const validator = new Validator();
      const result = await validator.validate(make());
      expect(result.errors ?? []).toEqual([]);
      expect(validator.version).toBe('3.1');
      expect(result.valid).toBe(true);
    });
  }
});

it('the OpenAPI validator rejects a broken document (guards the conformance check)', async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const broken = {
    ...openApiFiles['relay-openapi.json']!(),
    paths: { '/x': { get: { responses: 'nope' } } },
  };
  expect((await new Validator().validate(broken)).valid).toBe(false);
});
