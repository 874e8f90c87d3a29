/**
 * Entry point of the bundle Figma runs (plugin/dist/code.js). `figma` and `__html__` are
 * globals that Figma provides; assigning `figma` to HostApi checks that the real API
 * satisfies the slice the main code uses.
 */
import type { HostApi } from './figma-host.ts';
import { runPluginAsync } from './plugin-controller.ts';

const api: HostApi = figma;
runPluginAsync(api, __html__).catch((error: unknown) => {
  figma.closePlugin(`Atelier could not start: ${error instanceof Error ? error.message : String(error)}`);
});
