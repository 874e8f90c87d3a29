import { ristretto255 } from '@noble/curves/ed25519.js';
import { createRandom } from '../../daemon/engine/random.ts';
import { encodeBinaryFrame, fixtureToFrame } from '../../protocol/index.ts';
import { loadInvalidFixtures, loadValidFixtures } from '../protocol/load-fixtures.ts';

/**
 * Schema-driven fuzz frames for the daemon, from a seed: every client contract fixture (valid
 * and invalid) as it is and mutated field by field (wrong types, out-of-range numbers, huge or
 * odd strings, prototype keys, dropped and added fields), valid SPAKE2 shares with wrong or
 * missing confirmations, plus random JSON, text and binary envelopes. The same seed gives the same frames.
 */
export function createFuzzFrames(seed: number): () => string | Uint8Array {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.uniform() * items.length)]!;
  const seeds = [
    ...loadValidFixtures().filter(({ fixture }) => fixture.from === 'client').map(({ fixture }) => fixture),
    ...loadInvalidFixtures().filter(({ fixture }) => fixture.from === 'client').map(({ fixture }) => fixture),
  ];
  const odd: unknown[] = [
    null, true, -1, 0, 1e308, -0, 2 ** 53, 1.5, '', 'constructor', '__proto__', 'toString', 'x'.repeat(70_000),
    '\u0000', '\ud800', '💥'.repeat(1000), [], [1, 2], {}, { type: 'hello' }, '123456', 'A'.repeat(43),
  ];
  const mutate = (value: unknown, depth: number): unknown => {
    if (depth > 4 || random.uniform() < 0.15) return pick(odd);
    if (Array.isArray(value)) return value.map((v) => (random.uniform() < 0.3 ? mutate(v, depth + 1) : v));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const key of Object.keys(out)) {
        const r = random.uniform();
        if (r < 0.2) out[key] = mutate(out[key], depth + 1);
        else if (r < 0.25) delete out[key];
      }
      if (random.uniform() < 0.1) out[pick(['constructor', '__proto__', 'extra', 'type'])] = pick(odd);
      return out;
    }
    return random.uniform() < 0.5 ? pick(odd) : value;
  };
  return () => {
    const r = random.uniform();
    const fixture = pick(seeds);
    if (r < 0.6 && fixture.message !== undefined) {
      const message = mutate(fixture.message, 0);
      return random.uniform() < 0.85 || typeof message !== 'object' || message === null ? JSON.stringify(message) ?? 'null' : encodeBinaryFrame(message, new Map());
    }
    if (r < 0.72) return fixtureToFrame(fixture);
    if (r < 0.75) {
      // A valid group element (from the seed), so the daemon runs SPAKE2 on it and waits for a
      // confirmation that is then random, absent, or replaced by another share.
      const scalar = BigInt(1 + Math.floor(random.uniform() * 2 ** 48));
      const share = Buffer.from(ristretto255.Point.BASE.multiply(scalar).toBytes()).toString('hex');
      return pick([
        JSON.stringify({ type: 'pair', share }),
        JSON.stringify({ type: 'pair-confirm', confirm: share }),
        JSON.stringify({ type: 'auth', proof: share }),
      ]);
    }
    if (r < 0.85) return pick(['', '{', 'null', '[]', '{"type":1}', '"hello"', 'not json', '{"type":"pair","code":"000000"}']);
    const bytes = new Uint8Array(1 + Math.floor(random.uniform() * 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random.uniform() * 256);
    return bytes;
  };
}
