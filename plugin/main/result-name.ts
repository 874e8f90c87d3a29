import { RELAUNCH_NAME_MAX_CHARS } from '../limits.ts';

/** The result layer's name: the source's name and the style's, as a designer would write it. */
export function resultName(sourceName: string, styleName: string): string {
  return `${sourceName} · ${styleName}`;
}

/** A name cut to RELAUNCH_NAME_MAX_CHARS characters (whole code points, so no emoji is split). */
function shortName(name: string): string {
  const chars = Array.from(name);
  return chars.length <= RELAUNCH_NAME_MAX_CHARS ? name : `${chars.slice(0, RELAUNCH_NAME_MAX_CHARS - 1).join('')}…`;
}

/**
 * The text under the result's "Re-apply style" button. Layer names have no length limit, but
 * setRelaunchData throws past 1,000 characters (and Figma shows three lines), so long names
 * are shortened here rather than failing the insertion.
 */
export function relaunchDescription(sourceName: string, styleName: string): string {
  return `Stylised “${shortName(sourceName)}” with “${shortName(styleName)}”. Run again with the same style and settings.`;
}
