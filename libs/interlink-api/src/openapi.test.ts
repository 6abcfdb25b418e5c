import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiFiles, renderOpenApi } from './openapi-files';

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
