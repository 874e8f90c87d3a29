export { runPluginAsync } from './plugin-controller.ts';
export type * from './figma-host.ts';
export { PluginError, type PluginErrorCode } from './plugin-error.ts';
export { MENU_COMMANDS, RELAUNCH_COMMANDS } from './commands.ts';
export { planExport } from './working-size.ts';
export { resultName } from './result-name.ts';
export { collectTargets } from './selection.ts';
export { isImageBearing } from './style-layers.ts';
