/**
 * Bundles the Photopea panel into photopea/dist/index.html (index.html with the bundle
 * inlined): the daemon serves that one file at /photopea/, its CSP allowing exactly the
 * inlined script (daemon/server/photopea-page.ts).
 *
 *   node --import tsx photopea/build.ts     (also run by `npm run build`)
 *
 * `--team-server wss://HOST[:PORT]` builds the studio's Figma plugin as well
 * (plugin/build.ts): npm passes `npm run build -- …`'s arguments to this, the script's last command.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { inlineSharedHtmlAsync } from '../client/shared-html.ts';
import { buildStudioFromArgsAsync } from '../plugin/build.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPT_MARKER = '<!-- ATELIER_PANEL_SCRIPT -->';

export async function buildPhotopeaAsync(options: { outDir?: string; minify?: boolean } = {}): Promise<{ page: string }> {
  const outDir = options.outDir ?? join(here, 'dist');
  await mkdir(outDir, { recursive: true });
  const pkg = JSON.parse(await readFile(join(here, '..', 'package.json'), 'utf8')) as { version?: unknown };
  const bundle = await esbuild.build({
    entryPoints: [join(here, 'entry.ts')],
    bundle: true,
    format: 'iife',
    // The panel is a page in the designer's own browser (Photopea supports current browsers);
    // the scripts it sends to Photopea are ES5 strings, whatever this target.
    target: 'es2020',
    platform: 'browser',
    minify: options.minify ?? false,
    write: false,
    define: { ATELIER_PLUGIN_VERSION: JSON.stringify(typeof pkg.version === 'string' ? pkg.version : '0.0.0') },
    logLevel: 'warning',
  });
  const template = await inlineSharedHtmlAsync(await readFile(join(here, 'index.html'), 'utf8'));
  if (!template.includes(SCRIPT_MARKER)) throw new Error(`photopea/index.html lacks ${SCRIPT_MARKER}`);
  // `</script` inside the code would end the tag early.
  const script = bundle.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  const page = join(outDir, 'index.html');
  await writeFile(page, template.replace(SCRIPT_MARKER, () => `<script>${script}</script>`));
  return { page };
}

const isCli = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isCli) {
  const out = await buildPhotopeaAsync({ minify: process.argv.includes('--minify') });
  console.log(`[atelier] built ${out.page}`);
  await buildStudioFromArgsAsync(process.argv.slice(2));
}
