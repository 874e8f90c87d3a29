import { randomBytes } from 'node:crypto';
import {
  AUTH_NONCE_BYTES,
  DAEMON_STATE_CAPABILITY,
  PROTOCOL_VERSION,
  bytesToHex,
  equalBytes,
  hexToBytes,
  keyProof,
  type AuthMessage,
  type HelloMessage,
  type ProofContext,
} from '../../protocol/index.ts';
import { CLOSE_CODES } from './session.ts';
import type { Phase, PhaseHost, PhaseOf } from './phase.ts';

/**
 * The first phases: a hello, then either the challenge–response of a known key (the server
 * proves itself first) or an unpaired welcome. Each handler returns the next phase.
 */

/** Older or newer hellos may not match today's schema: read the version before validating. */
export function helloVersion(data: string): number | null {
  try {
    const raw: unknown = JSON.parse(data);
    if (typeof raw !== 'object' || raw === null) return null;
    const { type, protocol } = raw as { type?: unknown; protocol?: unknown };
    return type === 'hello' && typeof protocol === 'number' && Number.isInteger(protocol) ? protocol : null;
  } catch {
    return null;
  }
}

type AuthRefusal = 'hint-without-key' | 'auth-timeout' | 'bad-proof' | 'key-revoked';

/** The pairing could not be confirmed: told, and closed (4007). */
export function refuseAuth(host: PhaseHost, reason: AuthRefusal): void {
  host.context.logger.log('warn', 'auth-failed', { connectionId: host.id, reason });
  host.sendError('bad-token', host.context.sentences.authFailed);
  host.leave(CLOSE_CODES.authFailed, 'authentication failed');
}

/** A hello: the challenge for a known key, else unpaired (with its welcome). Null: refused and closing. */
export function helloPhase(host: PhaseHost, message: HelloMessage): Phase | null {
  const { context } = host;
  const client = {
    name: message.client.name,
    label: `${message.client.name}/${message.client.version}`,
    readsDaemonState: message.capabilities?.includes(DAEMON_STATE_CAPABILITY) ?? false,
  };
  const claimed = host.upgrade.claimsKeyId;
  const key = message.auth ? context.keys.keyFor(message.auth.keyId) : null;
  if (claimed !== null && message.auth?.keyId !== claimed) {
    // A reserved slot taken with a key id, and that key not named in hello: not that plugin.
    refuseAuth(host, 'hint-without-key');
    return null;
  }
  if (message.auth && key) {
    // Prove the server first, over both nonces: the client sends nothing derived from its key
    // until this checks out, and neither proof is valid on another connection.
    const proof: ProofContext = {
      protocol: PROTOCOL_VERSION,
      keyId: message.auth.keyId,
      host: host.upgrade.host,
      clientName: message.client.name,
      clientNonce: hexToBytes(message.auth.nonce),
      daemonNonce: new Uint8Array(randomBytes(AUTH_NONCE_BYTES)),
    };
    context.logger.log('info', 'hello', { connectionId: host.id, client: client.label, keyId: message.auth.keyId, readsDaemonState: client.readsDaemonState });
    host.send({ type: 'auth-challenge', nonce: bytesToHex(proof.daemonNonce), proof: bytesToHex(keyProof(key, 'daemon', proof)) });
    return { name: 'authenticating', since: performance.now(), client, keyId: message.auth.keyId, challenge: { key, proof } };
  }
  const since = performance.now();
  context.logger.log('info', 'hello', { connectionId: host.id, client: client.label, paired: false, unknownKey: message.auth !== undefined, readsDaemonState: client.readsDaemonState });
  // Entered before the welcome goes out, so that its clock runs from here.
  const welcome = host.welcomeOrHold(client, false, message.auth !== undefined);
  return { name: 'unpaired', since, client, welcome, wrongCodes: 0, pendingPair: null, saving: false };
}

/** The client's proof of its key: paired (with the full welcome). Null: refused and closing. */
export function authPhase(host: PhaseHost, phase: PhaseOf<'authenticating'>, message: AuthMessage): Phase | null {
  const challenge = phase.challenge;
  phase.challenge = null;
  if (!challenge) return null;
  const expected = keyProof(challenge.key, 'plugin', challenge.proof);
  if (!equalBytes(expected, hexToBytes(message.proof))) {
    refuseAuth(host, 'bad-proof');
    return null;
  }
  // The key was read at hello; it may have been revoked since (the challenge was answered late).
  const current = host.context.keys.keyFor(phase.keyId);
  if (!current || !equalBytes(current, challenge.key)) {
    refuseAuth(host, 'key-revoked');
    return null;
  }
  host.context.logger.log('info', 'authenticated', { connectionId: host.id, client: phase.client.label, tokenId: phase.keyId });
  return { name: 'paired', client: phase.client, keyId: phase.keyId, welcome: host.welcomeOrHold(phase.client, true, false) };
}
