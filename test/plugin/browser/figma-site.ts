import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildPluginAsync } from '../../../plugin/index.ts';
import { buildStudioPluginAsync } from '../../../plugin/build.ts';
import { servePublicOriginAsync, type PublicOrigin } from '../../support/public-origin.ts';
import { staticFiles } from '../../support/static-files.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Switches every browser test gives Chromium: headless, and nothing it would fetch on its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The stand-in www.figma.com: the harness page (fake Figma, the real built main code and UI)
 * from a public https origin, so Local Network Access stands between the plugin's UI and the
 * daemon as it does on figma.com. The page takes `?port=<daemon>&iterations=&theme=&key=`.
 * With `teamServer`, the plugin is a studio's copy built for that server (plugin/build.ts,
 * --team-server). `pictures` (page path → image file) serves real pictures for `?heroImage=`,
 * `style1Image=`; `mask=spot` adds an ellipse inside Hero to use as the mask (issue 31).
 */
export async function serveFigmaHarnessAsync(work: string, teamServer: string | null = null, pictures: Record<string, string> = {}): Promise<PublicOrigin> {
  const outDir = join(work, 'dist');
  const built = teamServer === null ? await buildPluginAsync({ outDir }) : await buildStudioPluginAsync(teamServer, outDir);
  const harnessJs = await esbuild.build({
    entryPoints: [join(here, 'harness-page.ts')],
    bundle: true, format: 'iife', target: 'es2020', platform: 'browser', write: false, logLevel: 'warning',
  });
  const files = staticFiles({
    '/': { type: 'text/html', body: await readFile(join(here, 'harness.html'), 'utf8') },
    '/harness.js': { type: 'text/javascript', body: harnessJs.outputFiles[0]!.text },
    '/code.js': { type: 'text/javascript', body: await readFile(built.code, 'utf8') },
    '/ui.html': { type: 'text/html', body: await readFile(built.ui, 'utf8') },
  });
  // Real pictures for the harness's layers (`?heroImage=/img/…`): image files, served as they are.
  const images = new Map<string, Buffer>();
  for (const [path, file] of Object.entries(pictures)) images.set(path, await readFile(file));
  return servePublicOriginAsync((request, response) => {
    const image = images.get(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (image) response.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' }).end(image);
    else files(request, response);
  });
}
