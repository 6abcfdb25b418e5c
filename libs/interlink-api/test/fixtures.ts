import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export const fixtureNames = readdirSync(dir).filter((f) => f.endsWith('.json'));
