export { DaemonClient, type DaemonClientOptions, type JobMessage } from './daemon-client.ts';
export { backoffMs, type ConnectionState } from './connection-state.ts';
export { buildStylizeRequest, strengthWeights, strengthApplies, presetFor } from './style-request.ts';
export { formatEta, frameFraction } from './format-eta.ts';
export { openBrowserSocket, frameData, type SocketLike } from './socket-like.ts';
export { UiApp, type UiAppOptions } from './ui-app.ts';
