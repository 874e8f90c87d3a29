export { DaemonClient, type DaemonClientOptions, type JobMessage } from './daemon-client.ts';
export { backoffMs, type ConnectionState } from './connection-state.ts';
export { buildStylizeRequest, colorsApply, colorsOverride, strengthOverride, strengthApplies, styleScaleFor, presetFor } from './style-request.ts';
export { describeSetup, type SetupDescription } from './setup-text.ts';
export { formatEta, frameFraction } from './format-eta.ts';
export { openBrowserSocket, frameData, type SocketLike } from './socket-like.ts';
export { UiApp, type UiAppOptions } from './ui-app.ts';
