/**
 * `text` cut to at most `max` UTF-16 code units — what `string.length`, zod's `.max()` and
 * Figma's length limits count — ending in `ellipsis` when cut. A surrogate pair is never split,
 * so an emoji at the cut is dropped whole rather than left half. (Counting code points instead,
 * as `Array.from` does, lets a name of emoji exceed the limit it was cut for.)
 */
export function clipText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ellipsis.length);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + ellipsis;
}
