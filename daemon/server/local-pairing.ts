import type { PairingWindow } from './pairing.ts';
import { PairingNotSavedError, type PairingSource, type PairingSourceTurn } from './pairing-seam.ts';
import { TokenStoreError, type TokenStore } from './token-store.ts';

/**
 * The local daemon's pairings behind the seam: one window (one code, opened from the tray or the
 * terminal) and tokens.json. A local plugin names no invite (the welcome lists no
 * TEAM_INVITE_CAPABILITY); one that does anyway answers the same window: its code is still the
 * password.
 */
export class LocalPairingSource implements PairingSource {
  constructor(
    private readonly window: PairingWindow,
    private readonly tokens: TokenStore,
  ) {}

  async beginAsync(_invite: string | null): Promise<PairingSourceTurn> {
    const turn = await this.window.beginAsync();
    if (!turn.ok) return turn;
    const tokens = this.tokens;
    return {
      ok: true,
      secret: turn.secret,
      fail: turn.fail,
      seat: () => {
        const claim = turn.claim();
        if (!claim) return null;
        return {
          issueAsync: async (clientName, key) => {
            try {
              return await tokens.issueAsync(clientName, key);
            } catch (error) {
              if (error instanceof TokenStoreError) throw new PairingNotSavedError(error.message, error.code);
              throw error;
            }
          },
          commit: claim.commit,
          release: claim.release,
        };
      },
    };
  }
}
