import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Layers, lowest first. Production code may only reach down: core (contract, logging,
// quantities) <- infra (config, HTTP toolkit) <- one side (plugin, node controller, relay).
// The two sides never import each other; test code may also use the testing libs.
const productionScopes = {
  'scope:core': ['scope:core'],
  'scope:infra': ['scope:core', 'scope:infra'],
  'scope:plugin': ['scope:core', 'scope:infra', 'scope:plugin'],
  'scope:node': ['scope:core', 'scope:infra', 'scope:node'],
  'scope:relay': ['scope:core', 'scope:infra'],
  'scope:testing': ['scope:core', 'scope:infra', 'scope:testing'],
};
// Tests of the node controller run it against the in-memory plugin backend.
const testScopes = Object.fromEntries(
  Object.entries(productionScopes).map(([tag, allowed]) => [
    tag,
    [...allowed, 'scope:testing', ...(tag === 'scope:node' ? ['scope:plugin'] : [])],
  ]),
);

function moduleBoundaries(scopes) {
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
      ...Object.entries(scopes).map(([sourceTag, allowed]) => ({ sourceTag, onlyDependOnLibsWithTags: allowed })),
    ],
  };
}

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/*.mjs', '**/*.cjs', 'tools/testbench/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries(productionScopes)],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries(testScopes)],
    },
  },
];
