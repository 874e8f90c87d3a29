/**
 * The fake Photopea as the browser tests serve it: the real panel built into `work`, and the fake's
 * page (harness.html + page.ts) from a public https origin (test/support/public-origin.ts), as
 * www.photopea.com is served. The page frames the panel URL given in `?plugin=`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildPhotopeaAsync } from '../../../photopea/build.ts';
import { servePublicOriginAsync, type PublicOrigin } from '../../support/public-origin.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

export async function serveFakePhotopeaAsync(work: string): Promise<{ site: PublicOrigin; panelPage: string }> {
  const built = await buildPhotopeaAsync({ outDir: join(work, 'dist') });
  const pageJs = await esbuild.build({
    entryPoints: [join(here, 'page.ts')],
    bundle: true, format: 'iife', target: 'es2020', platform: 'browser', write: false, logLevel: 'warning',
  });
  const site = await servePublicOriginAsync({
    '/': { type: 'text/html', body: await readFile(join(here, 'harness.html'), 'utf8') },
    '/page.js': { type: 'text/javascript', body: pageJs.outputFiles[0]!.text },
  });
  return { site, panelPage: built.page };
}
