/** The result layer's name: the source's name and the style's, as a designer would write it. */
export function resultName(sourceName: string, styleName: string): string {
  return `${sourceName} · ${styleName}`;
}
