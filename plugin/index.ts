/**
 * The plugin's surface for Node-side tools (build scripts, tests). Figma itself loads only
 * the bundles in plugin/dist that build.ts writes.
 */
export { buildPluginAsync, type BuildOptions } from './build.ts';
export * as PLUGIN_LIMITS from './limits.ts';
