import { LIMITS } from '../protocol/index.ts';

/**
 * The daemon URL with this plugin's key id (see protocol/limits.ts, KEY_HINT_PARAM), so a paired
 * plugin gets a reserved slot. The id is random and says nothing about the key: a lookup id only.
 */
export function urlWithHint(url: string, keyId: string | null): string {
  if (!keyId) return url;
  const base = url.endsWith('/') ? url : `${url}/`;
  return `${base}?${LIMITS.KEY_HINT_PARAM}=${keyId}`;
}
