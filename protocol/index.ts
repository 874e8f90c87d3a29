/**
 * The Atelier wire protocol: the one public surface imported by the daemon and the plugin.
 * Plain TypeScript and zod only (runs in Node and in the browser).
 */
export { PROTOCOL_VERSION, checkProtocolVersion, type VersionCheck } from './version.ts';
export * as LIMITS from './limits.ts';
export { DEFAULT_DAEMON_PORT } from './limits.ts';
export { ERROR_CODES, errorCodeSchema, type ErrorCode } from './error-codes.ts';
export { parseOk, parseFailure, type ParseResult, type ParseFailure } from './parse-result.ts';
export {
  idSchema,
  imageRefSchema,
  pngRefSchema,
  imageMimeSchema,
  IMAGE_MIME_TYPES,
  type ImageRef,
  type PngRef,
  type ImageMime,
} from './image-ref.ts';
export { sniffImageMime, readPngSize } from './image-sniff.ts';
export { clipText } from './clip-text.ts';
export {
  DAEMON_STATES,
  DAEMON_STATE_CAPABILITY,
  REGIONS_CAPABILITY,
  TEAM_INVITE_CAPABILITY,
  daemonStateNameSchema,
  daemonStateInfoSchema,
  type DaemonStateName,
  type DaemonStateInfo,
} from './daemon-state.ts';
export { styleOptionsSchema, type StyleOptionsOverrides } from './style-options.ts';
export * from './client-messages.ts';
export * from './server-messages.ts';
export { encodeBinaryFrame, decodeBinaryFrame, attachmentSchema, type Envelope } from './frame.ts';
export {
  parseClientFrame,
  parseServerFrame,
  parseClientMessage,
  parseServerMessage,
  imageRefsOf,
  type ParsedFrame,
  type FrameFailure,
} from './parse.ts';
export { encodeMessage } from './encode.ts';
export {
  Spake2Client,
  spake2Respond,
  spake2Context,
  equalBytes,
  bytesToHex,
  hexToBytes,
  SPAKE2_M_SEED,
  SPAKE2_N_SEED,
  SPAKE2_DST,
  SPAKE2_CODE_PREFIX,
  PAIRING_KEY_BYTES,
} from './spake2.ts';
export { formatPairingCode, parsePairingCode } from './pairing-code.ts';
export { keyProof, proofKeyInfo, proofTranscript, AUTH_NONCE_BYTES, type ProofContext, type ProofRole } from './key-proof.ts';
export {
  validFixtureSchema,
  invalidFixtureSchema,
  fixtureToFrame,
  type ValidFixture,
  type InvalidFixture,
} from './fixtures/index.ts';
