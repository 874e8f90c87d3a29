/**
 * The studio's team server a copy of the Figma plugin was built for
 * (`npm run build -- --team-server wss://HOST[:PORT]`, plugin/build.ts), else null. Figma lets
 * a plugin reach only the hosts its manifest names (networkAccess.allowedDomains; anything else
 * is blocked by Figma's content security policy without a word to the plugin), so this copy can
 * reach the Atelier app on this computer and that one server: the Team server field offers it
 * and refuses any other. No DOM: the main code and the window both read it.
 */
import { teamServerHost } from '../client/team-server.ts';

/** Set by esbuild's define (plugin/build.ts); absent where the sources run unbundled (tests). */
declare const ATELIER_TEAM_SERVER: string | null | undefined;

export const BUILT_IN_TEAM_SERVER: string | null = typeof ATELIER_TEAM_SERVER === 'string' ? ATELIER_TEAM_SERVER : null;

/**
 * Null when this copy may dial `address` (null: the Atelier app on this computer); else the
 * sentence the Team server field shows, since Figma would block it silently.
 */
export function whyFigmaBlocks(address: string | null, builtIn: string | null = BUILT_IN_TEAM_SERVER): string | null {
  if (address === null || address === builtIn) return null;
  return builtIn === null
    ? `This copy of the Atelier plugin may reach only the Atelier app on this computer: Figma blocks every address a plugin’s manifest does not name. Ask whoever runs your studio’s server for the studio’s build of the plugin (built with --team-server ${address}).`
    : `This copy of the Atelier plugin may reach only ${teamServerHost(builtIn)} and the Atelier app on this computer: Figma blocks every address a plugin’s manifest does not name. Use ${builtIn}, or ask for a build made with --team-server ${address}.`;
}
