import { pluginOpenApi, relayOpenApi } from './openapi';

/** The committed OpenAPI documents and how to produce them. Versioned with the contract, not the apps. */
export const CONTRACT_VERSION = '1.0.0';

export const openApiFiles: Record<string, () => Record<string, unknown>> = {
  'relay-openapi.json': () => relayOpenApi(CONTRACT_VERSION),
  'plugin-openapi.json': () => pluginOpenApi(CONTRACT_VERSION),
};

export function renderOpenApi(doc: Record<string, unknown>): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
