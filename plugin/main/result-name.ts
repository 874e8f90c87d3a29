import { clipText } from '../../protocol/sandbox.ts';
import { RELAUNCH_NAME_MAX_CHARS } from '../limits.ts';

/** The result layer's name: the source's name and the style's, as a designer would write it. */
export function resultName(sourceName: string, styleName: string): string {
  return `${sourceName} · ${styleName}`;
}


/**
 * The text under the result's "Re-apply style" button. Layer names have no length limit, but
 * setRelaunchData throws past 1,000 characters (and Figma shows three lines), so long names
 * are shortened here rather than failing the insertion.
 */
export function relaunchDescription(sourceName: string, styleName: string): string {
  return `Stylised “${clipText(sourceName, RELAUNCH_NAME_MAX_CHARS)}” with “${clipText(styleName, RELAUNCH_NAME_MAX_CHARS)}”. Run again with the same style and settings.`;
}
