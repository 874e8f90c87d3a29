/**
 * The protocol version. Bump it on any change that an older peer would misread; additive,
 * optional fields do not need a bump (schemas ignore unknown keys).
 */
/**
 * 2: pairing by SPAKE2 on the code (`pair { share }`, `pair-response`, `pair-confirm`,
 * `paired { keyId }`) and a mutual challenge–response on every later connection (`hello.auth`,
 * `auth-challenge`, `auth`); tokens are gone.
 */
/**
 * 3: pairing codes have 8 digits (LIMITS.PAIRING_CODE_DIGITS); a protocol-2 plugin would refuse
 * them as mistyped, so it is told to update instead.
 */
/**
 * 4: the SPAKE2 context's fields are length-prefixed (protocol/spake2.ts), so a protocol-3 plugin
 * would compute other confirmations and read the right code as a wrong one: it is told to update
 * instead. An unpaired welcome carries only the protocol and `paired: false` (server-messages.ts);
 * the full welcome follows `paired`. Pairing keys stay valid (the key proofs bind the version in
 * use on both sides), so paired plugins need not pair again.
 */
export const PROTOCOL_VERSION = 4;

export type VersionCheck =
  | { compatible: true }
  | { compatible: false; update: 'plugin' | 'daemon'; message: string };

/** Decides, on the daemon side, whether a client speaking `clientVersion` can be served. */
export function checkProtocolVersion(clientVersion: number, daemonVersion: number = PROTOCOL_VERSION): VersionCheck {
  if (clientVersion === daemonVersion) return { compatible: true };
  if (clientVersion < daemonVersion) {
    return {
      compatible: false,
      update: 'plugin',
      message: `The Atelier plugin is older than the daemon (protocol ${clientVersion}, daemon speaks ${daemonVersion}). Update the Atelier plugin in Figma.`,
    };
  }
  return {
    compatible: false,
    update: 'daemon',
    message: `The Atelier daemon is older than the plugin (daemon speaks protocol ${daemonVersion}, plugin ${clientVersion}). Update the Atelier daemon and restart it.`,
  };
}
