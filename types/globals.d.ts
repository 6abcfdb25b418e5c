// Injected by tools/build/build.mjs (esbuild define) and vitest.config.ts.
declare const __INTERLINK_VERSION__: string;
