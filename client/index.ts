/**
 * The editor-neutral daemon client: everything the Figma and Photopea plugins share to reach the
 * daemon (socket, handshake, reconnects), build requests from the designer's options and describe
 * progress. Each editor's own UI and bridge stay in its folder (plugin/ui, photopea/).
 */
export { DaemonClient, type DaemonClientOptions, type JobMessage } from './daemon-client.ts';
export { backoffMs, IMPOSTOR_TITLE, IMPOSTOR_SENTENCE, WRONG_CODE_SENTENCE, type ConnectionState } from './connection-state.ts';
export { hostKeyStore, webStorageKeyStore, storedKeySchema, type KeyStore, type StoredKey, type StorageLike } from './key-store.ts';
export {
  buildStylizeRequest,
  colorsApply,
  colorsOverride,
  strengthOverride,
  strengthApplies,
  styleScaleFor,
  presetFor,
  type ExportedImage,
  type StyleJob,
} from './style-request.ts';
export { describeSetup, type SetupDescription } from './setup-text.ts';
export { formatEta, frameFraction } from './format-eta.ts';
export { openBrowserSocket, frameData, type SocketLike } from './socket-like.ts';
export { urlWithHint } from './key-hint.ts';
export { jobOptionsSchema, DEFAULT_JOB_OPTIONS, type JobOptions } from './job-options.ts';
export * as CLIENT_LIMITS from './limits.ts';
