import { Value } from '@sinclair/typebox/value';
import { VkConfigSchema, type VkConfig } from '../../src/config/vk-config';

/** A config with every default filled, for tests: `testConfig({ Resources: {...} })`. */
export function testConfig(overrides: Partial<Record<keyof VkConfig, unknown>> = {}): VkConfig {
  const raw = { InterlinkURL: 'http://127.0.0.1', InterlinkPort: '3000', ...overrides };
  return Value.Default(VkConfigSchema, Value.Clone(raw)) as VkConfig;
}
