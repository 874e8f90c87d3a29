/**
 * Build-time only (Node): the pieces of window HTML every editor shares (client/html/*.html:
 * the connection panels, a run's progress, the quality buttons, the Apply footer) go into each window's template at
 * `<!-- ATELIER_SHARED:<name> -->`, so the ids client/connection-view.ts and the apps fill are
 * the same in Figma's and Photopea's windows, from one copy.
 */
import { readFile } from 'node:fs/promises';

const MARKER = /<!-- ATELIER_SHARED:([a-z-]+) -->/g;

export async function inlineSharedHtmlAsync(template: string): Promise<string> {
  const names = [...new Set([...template.matchAll(MARKER)].map((m) => m[1]!))];
  const pieces = new Map(await Promise.all(names.map(async (name) => [name, await readFile(new URL(`./html/${name}.html`, import.meta.url), 'utf8')] as const)));
  return template.replace(MARKER, (_, name: string) => pieces.get(name)!);
}
