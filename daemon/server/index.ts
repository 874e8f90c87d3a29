/**
 * The daemon's WebSocket server: the only surface the daemon entrypoint uses.
 */
export {
  startDaemonServerAsync,
  type DaemonServer,
  type DaemonServerEvents,
  type DaemonActivity,
  type StartDaemonServerOptions,
} from './daemon-server.ts';
export { serverOptionsSchema, type ServerOptions, type ServerOptionsInput } from './server-options.ts';
export { revokeAllTokensAsync, listTokensAsync, TokenStoreError, type KeyRecord } from './token-store.ts';
export { createJsonLogger, createMemoryLogger, type Logger, type LogLevel, type LogFields, type LogLine } from './logger.ts';
export { CLOSE_CODES } from './connection.ts';
export { ListenError } from './listen-loopback-async.ts';
export type { PairingWindowState } from './pairing.ts';
export type { DaemonStateInfo } from '../../protocol/index.ts';
export * as SERVER_LIMITS from './limits.ts';
export { DEFAULT_DAEMON_PORT } from './limits.ts';
export { runStylizeJobAsync, savedResultMessage, type JobEngine, type JobSink, type JobPersistence, type JobProgressSnapshot, type StylizeJob } from './run-job.ts';
export { JobRelay, type JobListener } from './job-relay.ts';
export type { JobRegion, JobRunner, JobSpec, RunnerInfo, SubmitResult } from './job-runner.ts';
export { PairingNotSavedError, type KeyStore, type PairingSeat, type PairingSource, type PairingSourceTurn } from './pairing-seam.ts';
export { createConnectionHub, type ConnectionHub, type ConnectionHubOptions } from './connection-hub.ts';
export { publicHostPolicy, loopbackPolicy, type HandshakePolicy, type PublicHostOptions } from './handshake.ts';
export { createPhotopeaPageHandler, publicPageSite, type PageSite, type PhotopeaPageOptions } from './photopea-page.ts';
export { connectionLimitsSchema, type ConnectionLimits, type ConnectionLimitsInput } from './server-options.ts';
export { keptJobPersistence, type KeptJobFiles } from './kept-job-persistence.ts';
export { keptFeatherSchema, keptRegionsFit, keptRegionsOf, keptRegionsSchema, withMasks, type KeptRegion } from './kept-regions.ts';
export { styleCacheKey } from './style-cache-key.ts';
export { LOCAL_PAIRING_SENTENCES, type PairingSentences } from './pairing-sentences.ts';
