import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * SPAKE2 (RFC 9382) on the 8-digit pairing code, over the prime-order group ristretto255
 * (RFC 9496) from @noble/curves, with SHA-256, HKDF-SHA256 and HMAC-SHA256 from @noble/hashes.
 * Nothing here is a new primitive: it is RFC 9382 §3-4 step by step, with these choices:
 *
 * - Group: ristretto255 rather than edwards25519, so there is no cofactor to clear and every
 *   decoded element is in the prime-order group (RFC 9496 §4.3.1 rejects non-canonical bytes).
 * - M and N: RFC 9382 §6 lists M and N for edwards25519 but not for ristretto255; as §6 asks
 *   ("generated ... using a hash-to-curve"), they are RFC 9380 hash-to-curve points
 *   (ristretto255_XMD:SHA-512_R255MAP_RO_, Appendix B) of fixed seeds under our own DST,
 *   so nobody knows their discrete logarithms. See `SPAKE2_M_SEED`, `SPAKE2_N_SEED`.
 * - w: RFC 9380 hash_to_field of the code (hashToScalar, 48 bytes reduced mod the group order,
 *   so unbiased). RFC 9382 recommends a memory-hard function; with 10^8 codes it would not
 *   stop an offline search, and SPAKE2 gives an eavesdropper or impostor no transcript to
 *   search offline: each exchange tests exactly one guess.
 * - Identities A = "atelier-plugin", B = "atelier-daemon"; AAD = spake2Context (protocol version,
 *   client name, Host, each prefixed by its length as the transcript's fields are).
 * - K: refused when it is the identity. A share equal to w·M (or w·N) makes K the identity
 *   whatever the other side's secret scalar, so the key schedule would rest on w alone; only a
 *   peer that already knows the code can send one, and nothing a real peer makes is one.
 * - Key schedule (§4): Hash(TT) = Ke || Ka (16 bytes each); KcA || KcB = HKDF(Ka, info =
 *   "ConfirmationKeys" || AAD); cA = HMAC(KcA, TT), cB = HMAC(KcB, TT). The pairing key kept by
 *   both sides is HKDF(Ke, info = "atelier pairing key"), 32 bytes.
 *
 * The daemon (B) answers the plugin's share with its own and its confirmation cB; the plugin
 * checks cB before it sends cA, so a wrong code or an impostor gets nothing derived from the
 * plugin's key schedule but the one guess it made.
 */

const Point = ristretto255.Point;
type RistrettoPoint = InstanceType<typeof Point>;

/** The hash-to-curve domain of M, N and w (RFC 9380 §3.1). */
export const SPAKE2_DST = 'atelier-spake2-v1-ristretto255_XMD:SHA-512_R255MAP_RO_';
const DST = utf8ToBytes(SPAKE2_DST);
/** Seeds hashed to the curve for M and N (RFC 9382 §6's rule, applied to ristretto255). */
export const SPAKE2_M_SEED = 'atelier SPAKE2 M';
export const SPAKE2_N_SEED = 'atelier SPAKE2 N';
const M = ristretto255_hasher.hashToCurve(utf8ToBytes(SPAKE2_M_SEED), { DST });
const N = ristretto255_hasher.hashToCurve(utf8ToBytes(SPAKE2_N_SEED), { DST });

const ID_A = utf8ToBytes('atelier-plugin');
const ID_B = utf8ToBytes('atelier-daemon');
const ORDER = Point.Fn.ORDER;

/** Bytes of a SPAKE2 share (a ristretto255 element) and of a confirmation MAC. */
export const SPAKE2_SHARE_BYTES = 32;
export const SPAKE2_CONFIRM_BYTES = 32;
/** Bytes of the pairing key both sides keep. */
export const PAIRING_KEY_BYTES = 32;

/** The text hashed to w: the code behind this fixed prefix. */
export const SPAKE2_CODE_PREFIX = 'atelier pairing code ';

function scalarOfCode(code: string): bigint {
  return ristretto255_hasher.hashToScalar(utf8ToBytes(`${SPAKE2_CODE_PREFIX}${code}`), { DST });
}

function randomScalar(): bigint {
  // 64 random bytes reduced mod the order: bias below 2^-250. Zero is refused (RFC 9382 §3.2).
  for (;;) {
    const wide = randomBytes(64);
    let value = 0n;
    for (const byte of wide) value = (value << 8n) | BigInt(byte);
    const scalar = value % ORDER;
    if (scalar !== 0n) return scalar;
  }
}

function scalarBytes(scalar: bigint): Uint8Array {
  // Little-endian, 32 bytes, as RFC 9496 encodes scalars.
  const out = new Uint8Array(32);
  let v = scalar;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** RFC 9382 §3.3: each field prefixed by its length, 8 bytes little-endian. */
function lengthPrefixed(...parts: Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(part.byteLength), true);
    chunks.push(length, part);
  }
  return concatBytes(...chunks);
}

/** A share from the peer: a canonical, non-identity ristretto255 element, or null. */
function decodeShare(bytes: Uint8Array): RistrettoPoint | null {
  if (bytes.byteLength !== SPAKE2_SHARE_BYTES) return null;
  try {
    const point = Point.fromBytes(bytes);
    return point.is0() ? null : point;
  } catch {
    return null;
  }
}

interface Schedule {
  key: Uint8Array;
  confirmA: Uint8Array;
  confirmB: Uint8Array;
}

/** Null when K is the identity (see the list above). */
function schedule(aad: Uint8Array, pA: Uint8Array, pB: Uint8Array, K: RistrettoPoint, w: bigint): Schedule | null {
  if (K.is0()) return null;
  const TT = lengthPrefixed(ID_A, ID_B, pA, pB, K.toBytes(), scalarBytes(w));
  const hashed = sha256(TT);
  const Ke = hashed.slice(0, 16);
  const Ka = hashed.slice(16, 32);
  const kc = hkdf(sha256, Ka, undefined, concatBytes(utf8ToBytes('ConfirmationKeys'), aad), 64);
  return {
    key: hkdf(sha256, Ke, undefined, utf8ToBytes('atelier pairing key'), PAIRING_KEY_BYTES),
    confirmA: hmac(sha256, kc.slice(0, 32), TT),
    confirmB: hmac(sha256, kc.slice(32, 64), TT),
  };
}

/** Equal in time independent of where they differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The plugin's side (A). `context` must match the daemon's (see spake2Context). */
export class Spake2Client {
  readonly share: Uint8Array;
  private readonly x = randomScalar();
  private readonly w: bigint;

  constructor(
    code: string,
    private readonly context: Uint8Array,
  ) {
    this.w = scalarOfCode(code);
    this.share = Point.BASE.multiply(this.x).add(M.multiply(this.w)).toBytes();
  }

  /**
   * Checks the daemon's answer. On success returns the pairing key and the confirmation to send
   * (cA); on failure (wrong code, or not the daemon the code came from) null, and nothing is sent.
   */
  finish(daemonShare: Uint8Array, daemonConfirm: Uint8Array): { key: Uint8Array; confirm: Uint8Array } | null {
    const pB = decodeShare(daemonShare);
    if (!pB) return null;
    const K = pB.subtract(N.multiply(this.w)).multiply(this.x);
    const s = schedule(this.context, this.share, daemonShare, K, this.w);
    if (!s || !equalBytes(s.confirmB, daemonConfirm)) return null;
    return { key: s.key, confirm: s.confirmA };
  }
}

/**
 * The daemon's side (B), answering one plugin share with the window's code; null when the share
 * is not a canonical non-identity element, or makes K the identity.
 */
export function spake2Respond(
  code: string,
  context: Uint8Array,
  clientShare: Uint8Array,
): { share: Uint8Array; confirm: Uint8Array; key: Uint8Array; expectedConfirm: Uint8Array } | null {
  const pA = decodeShare(clientShare);
  if (!pA) return null;
  const w = scalarOfCode(code);
  const y = randomScalar();
  const pB = Point.BASE.multiply(y).add(N.multiply(w));
  const K = pA.subtract(M.multiply(w)).multiply(y);
  const share = pB.toBytes();
  const s = schedule(context, clientShare, share, K, w);
  return s && { share, confirm: s.confirmB, key: s.key, expectedConfirm: s.confirmA };
}

/**
 * The AAD both sides bind the exchange to: protocol version, the client's name, and the Host the
 * client dialed and the daemon received ("localhost:7878"). The Host makes a relay fail: a
 * program that answers the plugin on another address or port and forwards to the daemon has
 * the plugin and the daemon compute different confirmations (the daemon holds both loopback
 * addresses of its port, and will not start when either is taken). Each field is prefixed by
 * its length (as RFC 9382 §3.3 builds the transcript), so no client name can read as another
 * name and Host: protocol 3 joined them with "|", and a name containing "|host=" read two ways.
 */
export function spake2Context(protocol: number, clientName: string, host: string): Uint8Array {
  return lengthPrefixed(utf8ToBytes('atelier-pair'), utf8ToBytes(String(protocol)), utf8ToBytes(clientName), utf8ToBytes(host.toLowerCase()));
}

/** Lower-case hex, as shares, confirmations, nonces and proofs travel. */
export { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
