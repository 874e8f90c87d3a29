/**
 * Bundles the plugin into the files manifest.json names:
 *   plugin/dist/code.js  the main code (Figma's sandbox: no DOM), one IIFE;
 *   plugin/dist/ui.html  ui/ui.html with the UI bundle inlined (Figma loads one HTML string).
 *
 *   node --import tsx plugin/build.ts            build once
 *   node --import tsx plugin/build.ts --watch    rebuild on change
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { inlineSharedHtmlAsync } from '../client/shared-html.ts';
import { sandboxRejectsIn } from './sandbox-rejects.ts';

const pluginDir = dirname(fileURLToPath(import.meta.url));
const SCRIPT_MARKER = '<!-- ATELIER_UI_SCRIPT -->';
/** Figma's sandbox runs modern JavaScript; the UI runs in Figma's Chromium-based webview. */
const TARGET = 'es2020';

export interface BuildOptions {
  outDir?: string;
  minify?: boolean;
  /** Another main entry point (tests use it to show a bundle Figma would refuse is refused here). */
  mainEntry?: string;
}

async function pluginVersionAsync(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(pluginDir, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

function mainOptions(outDir: string, minify: boolean, entry = join(pluginDir, 'main', 'code.ts')): esbuild.BuildOptions {
  return {
    entryPoints: [entry],
    outfile: join(outDir, 'code.js'),
    bundle: true,
    format: 'iife',
    target: TARGET,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    minify,
    logLevel: 'warning',
  };
}

function uiOptions(version: string, minify: boolean): esbuild.BuildOptions & { write: false } {
  return {
    entryPoints: [join(pluginDir, 'ui', 'entry.ts')],
    bundle: true,
    format: 'iife',
    target: TARGET,
    platform: 'browser',
    minify,
    write: false,
    define: { ATELIER_PLUGIN_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  };
}

/** Inlines the UI script; `</script` inside the code would end the tag early, so it is escaped. */
export async function writeUiHtmlAsync(outDir: string, script: string): Promise<void> {
  const template = await inlineSharedHtmlAsync(await readFile(join(pluginDir, 'ui', 'ui.html'), 'utf8'));
  if (!template.includes(SCRIPT_MARKER)) throw new Error(`ui/ui.html lacks ${SCRIPT_MARKER}`);
  const safe = script.replace(/<\/script/gi, '<\\/script');
  await writeFile(join(outDir, 'ui.html'), template.replace(SCRIPT_MARKER, () => `<script>\n${safe}</script>`));
}

/** Fails when Figma's sandbox would refuse the main bundle at load (sandbox-rejects.ts). */
async function checkMainBundleAsync(path: string): Promise<void> {
  const rejects = sandboxRejectsIn(await readFile(path, 'utf8'));
  if (rejects.length > 0) {
    throw new Error(`${path} contains ${rejects.join(' and ')}, which Figma's plugin sandbox refuses even inside a string or comment, so the plugin would not start. Reword the text that brings it in.`);
  }
}

/** One build; returns the paths written. */
export async function buildPluginAsync(options: BuildOptions = {}): Promise<{ code: string; ui: string }> {
  const outDir = options.outDir ?? join(pluginDir, 'dist');
  const minify = options.minify ?? false;
  await mkdir(outDir, { recursive: true });
  const version = await pluginVersionAsync();
  const [, ui] = await Promise.all([esbuild.build(mainOptions(outDir, minify, options.mainEntry)), esbuild.build(uiOptions(version, minify))]);
  const code = join(outDir, 'code.js');
  await checkMainBundleAsync(code);
  await writeUiHtmlAsync(outDir, ui.outputFiles[0]!.text);
  return { code, ui: join(outDir, 'ui.html') };
}

async function watchAsync(): Promise<void> {
  const outDir = join(pluginDir, 'dist');
  await mkdir(outDir, { recursive: true });
  const version = await pluginVersionAsync();
  const main = await esbuild.context({
    ...mainOptions(outDir, false),
    plugins: [
      {
        name: 'check-sandbox-text',
        setup(build) {
          build.onEnd(() => checkMainBundleAsync(join(outDir, 'code.js')).catch((error: unknown) => console.error(`[atelier] ${error instanceof Error ? error.message : String(error)}`)));
        },
      },
    ],
  });
  const ui = await esbuild.context({
    ...uiOptions(version, false),
    plugins: [
      {
        name: 'inline-ui-html',
        setup(build) {
          build.onEnd(async (result) => {
            const file = result.outputFiles?.[0];
            if (file) await writeUiHtmlAsync(outDir, file.text);
            console.log(`[atelier] ui.html rebuilt (${result.errors.length} errors)`);
          });
        },
      },
    ],
  });
  await Promise.all([main.watch(), ui.watch()]);
  console.log('[atelier] watching plugin/ (Ctrl+C to stop)');
}

const isCli = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isCli) {
  if (process.argv.includes('--watch')) {
    await watchAsync();
  } else {
    const out = await buildPluginAsync({ minify: process.argv.includes('--minify') });
    console.log(`[atelier] built ${out.code} and ${out.ui}`);
  }
}
