import type { TSchema } from '@sinclair/typebox';
import { PodSchema } from './schemas/k8s';
import {
  CreateStructSchema,
  LogStructSchema,
  PingResponseSchema,
  PodCreateRequestsSchema,
  PodListSchema,
  PodStatusListSchema,
  RemotePodListSchema,
  RetrievedPodDataSchema,
} from './schemas/messages';
import { SESSION_HEADER } from './constants';

type Json = Record<string, unknown>;

/**
 * Turns every titled sub-schema into a `$ref` to `components.schemas`, so each contract type
 * is described once. The schemas are the ones the codecs validate with.
 */
class ComponentCollector {
  readonly components: Record<string, Json> = {};

  ref(schema: TSchema): Json {
    return this.walk(schema as unknown as Json);
  }

  private walk(node: unknown, isRoot = false): Json {
    if (Array.isArray(node)) return node.map((n) => this.walk(n)) as unknown as Json;
    if (typeof node !== 'object' || node === null) return node as Json;
    const obj = node as Json;
    const title = typeof obj.title === 'string' ? obj.title : undefined;
    if (title && !isRoot) {
      if (!(title in this.components)) {
        this.components[title] = {}; // reserve first: schemas may be reached again while walking
        this.components[title] = this.walk(obj, true);
      }
      return { $ref: `#/components/schemas/${title}` };
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      out[k] = k === 'default' || k === 'enum' || k === 'const' ? v : this.walk(v);
    }
    // A property with a default may be left out: the codecs fill it (Go omits empty fields).
    const props = obj.properties as Record<string, Json> | undefined;
    if (Array.isArray(out.required) && props) {
      const required = (out.required as string[]).filter((k) => props[k]?.default === undefined);
      if (required.length > 0) out.required = required;
      else delete out.required;
    }
    return out;
  }
}

const sessionHeader = {
  name: SESSION_HEADER,
  in: 'header',
  required: false,
  description: 'Correlation id, propagated on every hop; generated when absent',
  schema: { type: 'string' },
};

function jsonBody(schema: Json, description?: string): Json {
  return {
    required: true,
    ...(description ? { description } : {}),
    content: { 'application/json': { schema } },
  };
}

function errors(extra: Record<string, string> = {}): Json {
  const codes: Record<string, string> = {
    '400': 'Body does not match the contract; the text names the offending field',
    '401': 'Authentication required',
    '403': 'Authenticated but not allowed',
    '413': 'Body larger than the configured limit',
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(codes).map(([code, description]) => [
      code,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );
}

const errorSchema: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'what was wrong' },
    sessionId: { type: 'string', description: 'the InterLink-Http-Session id' },
    reason: { type: 'string', description: 'machine-readable cause where one is defined, e.g. PodNotFound' },
  },
};

const logStream = {
  description: 'Raw log bytes, streamed (chunked) while Opts.Follow keeps the stream open',
  content: { 'text/plain': { schema: { type: 'string' } } },
};

function sameOperationForMethods(methods: string[], op: Json): Json {
  return Object.fromEntries(
    methods.map((m, i) => [m, i === 0 ? op : { ...op, operationId: `${op.operationId}_${m}` }]),
  );
}

/** Operational endpoints every service of this project serves. */
function opsHealth(): Json {
  return {
    '/healthz': {
      get: { operationId: 'healthz', responses: { '200': { description: 'Process is alive' } } },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        responses: {
          '200': {
            description: 'Prometheus metrics',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/openapi.json': {
      get: { operationId: 'openapi', responses: { '200': { description: 'This document' } } },
    },
  };
}

/** Hop 1: node controller → relay. */
export function relayOpenApi(version: string): Json {
  const c = new ComponentCollector();
  const podList = c.ref(PodListSchema);
  const paths: Json = {
    '/pinglink': sameOperationForMethods(['post', 'get'], {
      operationId: 'pingLink',
      summary: 'Ping the plugin through the relay (no body); answers the plugin ping body verbatim',
      parameters: [sessionHeader],
      responses: {
        '200': {
          description: 'Plugin healthy',
          content: { 'application/json': { schema: c.ref(PingResponseSchema) } },
        },
        '502': { description: 'Plugin answered an error' },
        '503': { description: 'Plugin unreachable' },
      },
    }),
    '/create': sameOperationForMethods(['post'], {
      operationId: 'createPod',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(PodCreateRequestsSchema)),
      responses: {
        '200': {
          description: 'Submitted',
          content: { 'application/json': { schema: c.ref(CreateStructSchema) } },
        },
        ...errors({
          '502': 'Plugin failed; the text carries the plugin message',
          '503': 'Plugin unreachable',
        }),
      },
    }),
    '/status': sameOperationForMethods(['get', 'post'], {
      operationId: 'getStatus',
      summary: 'Status of every pod in the body (GET with a JSON body on the wire)',
      parameters: [sessionHeader],
      requestBody: jsonBody(podList),
      responses: {
        '200': {
          description: 'One PodStatus per known pod; null when none',
          content: { 'application/json': { schema: c.ref(PodStatusListSchema) } },
        },
        ...errors({ '502': 'Plugin failed', '503': 'Plugin unreachable' }),
      },
    }),
    '/delete': sameOperationForMethods(['delete', 'post'], {
      operationId: 'deletePod',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(PodSchema)),
      responses: {
        '200': {
          description: 'Deleted (free text)',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        ...errors({ '502': 'Plugin failed', '503': 'Plugin unreachable' }),
      },
    }),
    '/getLogs': sameOperationForMethods(['get', 'post'], {
      operationId: 'getLogs',
      summary: 'Container logs (GET with a JSON body on the wire)',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(LogStructSchema)),
      responses: {
        '200': logStream,
        ...errors({ '404': 'Unknown pod or container', '503': 'Plugin unreachable' }),
      },
    }),
    '/updateVolumes': sameOperationForMethods(['post'], {
      operationId: 'updateVolumes',
      summary:
        'Extension (not upstream): new content for the ConfigMap, Secret and projected volumes of a running pod (rotated service-account tokens); the relay reshapes it as for /create',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(PodCreateRequestsSchema)),
      responses: {
        '200': { description: 'The files were rewritten in place' },
        ...errors({
          '404':
            'JSON error with reason PodNotFound: the plugin does not run this pod; any other 404 means the relay or plugin lacks the extension',
          '502': 'Plugin failed',
          '503': 'Plugin unreachable',
        }),
      },
    }),
    '/listPods': sameOperationForMethods(['get'], {
      operationId: 'listPods',
      summary:
        'Extension (not upstream): every pod the plugin runs (name, namespace, UID, nodeName), so that a node controller can remove remote pods whose API object is gone',
      parameters: [sessionHeader],
      responses: {
        '200': {
          description: "The plugin's pods",
          content: { 'application/json': { schema: c.ref(RemotePodListSchema) } },
        },
        ...errors({
          '404': 'The relay or plugin lacks the extension',
          '502': 'Plugin failed',
          '503': 'Plugin unreachable',
        }),
      },
    }),
    '/updateCache': sameOperationForMethods(['post'], {
      operationId: 'updateCache',
      summary: 'Drop the relay cache entry of the pod in the body',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(PodSchema)),
      responses: { '200': { description: 'Updated cache' }, ...errors() },
    }),
    ...opsHealth(),
  };
  return document(
    'interLink relay API (node controller → relay)',
    version,
    paths,
    c,
    [{ url: 'http://localhost:3000', description: 'conventional relay port' }],
    true,
  );
}

/** Hop 2: relay → plugin. */
export function pluginOpenApi(version: string): Json {
  const c = new ComponentCollector();
  const retrieved = c.ref(RetrievedPodDataSchema);
  const paths: Json = {
    '/create': sameOperationForMethods(['post'], {
      operationId: 'createPod',
      parameters: [sessionHeader],
      requestBody: jsonBody({
        oneOf: [
          retrieved,
          {
            type: 'array',
            items: retrieved,
            description: 'legacy relays (< 0.5.0) send a one-element array',
          },
        ],
      }),
      responses: {
        '200': {
          description: 'Submitted; idempotent per pod UID',
          content: { 'application/json': { schema: c.ref(CreateStructSchema) } },
        },
        ...errors({ '500': 'Submission failed; the text says why' }),
      },
    }),
    '/status': sameOperationForMethods(['get', 'post'], {
      operationId: 'getStatus',
      summary:
        'Status of the pods in the body; an empty array is the ping (GET with a JSON body on the wire)',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(PodListSchema)),
      responses: {
        '200': {
          description: 'For a non-empty body: one PodStatus per known pod. For `[]`: a PingResponse',
          content: {
            'application/json': {
              schema: { oneOf: [c.ref(PodStatusListSchema), c.ref(PingResponseSchema)] },
            },
          },
        },
        ...errors(),
      },
    }),
    '/delete': sameOperationForMethods(['post', 'delete'], {
      operationId: 'deletePod',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(PodSchema)),
      responses: { '200': { description: 'Deleted; unknown pods too (idempotent)' }, ...errors() },
    }),
    '/updateVolumes': sameOperationForMethods(['post'], {
      operationId: 'updateVolumes',
      summary:
        'Extension (not upstream): rewrite the ConfigMap, Secret and projected volume files of a running pod in place (rotated service-account tokens)',
      parameters: [sessionHeader],
      requestBody: jsonBody(retrieved),
      responses: {
        '200': { description: 'The files were rewritten' },
        ...errors({ '404': 'JSON error with reason PodNotFound: no such pod here' }),
      },
    }),
    '/listPods': sameOperationForMethods(['get'], {
      operationId: 'listPods',
      summary: 'Extension (not upstream): every pod this plugin runs, for orphan collection',
      parameters: [sessionHeader],
      responses: {
        '200': {
          description: 'The pods, with the node each was created for',
          content: { 'application/json': { schema: c.ref(RemotePodListSchema) } },
        },
        ...errors(),
      },
    }),
    '/getLogs': sameOperationForMethods(['get', 'post'], {
      operationId: 'getLogs',
      parameters: [sessionHeader],
      requestBody: jsonBody(c.ref(LogStructSchema)),
      responses: { '200': logStream, ...errors({ '404': 'Unknown pod or container' }) },
    }),
    ...opsHealth(),
  };
  return document(
    'interLink plugin API (relay → plugin)',
    version,
    paths,
    c,
    [{ url: 'http://localhost:4000', description: 'conventional plugin port' }],
    false,
  );
}

function document(
  title: string,
  version: string,
  paths: Json,
  c: ComponentCollector,
  servers: Json[],
  bearer: boolean,
): Json {
  return {
    openapi: '3.1.0',
    info: {
      title,
      version,
      description:
        'Generated from the schemas in libs/interlink-api. Bodies on GET and DELETE are part of the wire format. ' +
        'Every path accepts any HTTP method; the methods listed are those the reference clients send. Only 200 means success.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers,
    paths,
    components: {
      schemas: { ...sortKeys(c.components), Error: errorSchema },
      ...(bearer
        ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, mtls: { type: 'mutualTLS' } } }
        : {}),
    },
    ...(bearer ? { security: [{ bearer: [] }, { mtls: [] }, {}] } : {}),
  };
}

function sortKeys(o: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
