import { homedir } from 'node:os';
import { join } from 'node:path';

/** The folder name Atelier uses inside each per-user base directory. */
export const APP_DIR_NAME = 'atelier';

export interface UserDirs {
  /** Where `config.json` lives. */
  config: string;
  /** Downloaded and converted weights, the log, the single-instance socket. */
  cache: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The per-user config and cache folders of each platform: XDG on Linux and other Unixes,
 * `~/Library` on macOS, `%APPDATA%`/`%LOCALAPPDATA%` on Windows. The environment variables
 * win everywhere so tests (and portable installs) can point them at a temporary folder.
 */
export function resolveUserDirs(env: Env = process.env, platform: NodeJS.Platform = process.platform): UserDirs {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (platform === 'win32') {
    const roaming = env.APPDATA ?? join(home, 'AppData', 'Roaming');
    const local = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
    return { config: join(roaming, 'Atelier'), cache: join(local, 'Atelier', 'Cache') };
  }
  if (platform === 'darwin' && env.XDG_CONFIG_HOME === undefined && env.XDG_CACHE_HOME === undefined) {
    return {
      config: join(home, 'Library', 'Application Support', 'Atelier'),
      cache: join(home, 'Library', 'Caches', 'Atelier'),
    };
  }
  const configBase = nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config');
  const cacheBase = nonEmpty(env.XDG_CACHE_HOME) ?? join(home, '.cache');
  return { config: join(configBase, APP_DIR_NAME), cache: join(cacheBase, APP_DIR_NAME) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
