// Regenerates libs/interlink-api/openapi/*.json from the contract schemas.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiFiles, renderOpenApi } from '../src/openapi-files';

const dir = join(import.meta.dirname, '..', 'openapi');
for (const [file, make] of Object.entries(openApiFiles)) {
  writeFileSync(join(dir, file), renderOpenApi(make()));
  console.log(`wrote ${join(dir, file)}`);
}
