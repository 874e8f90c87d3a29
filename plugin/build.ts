/**
 * Bundles the plugin into the files manifest.json names:
 *   plugin/dist/code.js  the main code (Figma's sandbox: no DOM), one IIFE;
 *   plugin/dist/ui.html  ui/ui.html with the UI bundle inlined (Figma loads one HTML string).
 *
 *   node --import tsx plugin/build.ts            build once
 *   node --import tsx plugin/build.ts --watch    rebuild on change
 *   node --import tsx plugin/build.ts --team-server wss://HOST[:PORT]
 *       also a studio's copy in plugin/dist/studio/ (limits.ts, STUDIO_PLUGIN_DIR): its own
 *       manifest.json naming that server in networkAccess.allowedDomains, and the bundles with
 *       the server built in (team-build.ts). The committed manifest.json is never rewritten.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { inlineSharedHtmlAsync } from '../client/shared-html.ts';
import { parseTeamServerAddress, teamServerHost } from '../client/team-server.ts';
import { DAEMON_URL, STUDIO_PLUGIN_DIR } from './limits.ts';
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
  /** The studio's team server built in (team-build.ts), already checked by studioTeamServer. */
  teamServer?: string | null;
}

async function pluginVersionAsync(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(pluginDir, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** What team-build.ts reads: the built-in team server, or null. */
function teamDefine(teamServer: string | null): Record<string, string> {
  return { ATELIER_TEAM_SERVER: JSON.stringify(teamServer) };
}

function mainOptions(outDir: string, minify: boolean, entry = join(pluginDir, 'main', 'code.ts'), teamServer: string | null = null): esbuild.BuildOptions {
  return {
    entryPoints: [entry],
    outfile: join(outDir, 'code.js'),
    bundle: true,
    format: 'iife',
    target: TARGET,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    minify,
    define: teamDefine(teamServer),
    logLevel: 'warning',
  };
}

function uiOptions(version: string, minify: boolean, teamServer: string | null = null): esbuild.BuildOptions & { write: false } {
  return {
    entryPoints: [join(pluginDir, 'ui', 'entry.ts')],
    bundle: true,
    format: 'iife',
    target: TARGET,
    platform: 'browser',
    minify,
    write: false,
    define: { ATELIER_PLUGIN_VERSION: JSON.stringify(version), ...teamDefine(teamServer) },
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
  const team = options.teamServer ?? null;
  const [, ui] = await Promise.all([esbuild.build(mainOptions(outDir, minify, options.mainEntry, team)), esbuild.build(uiOptions(version, minify, team))]);
  const code = join(outDir, 'code.js');
  await checkMainBundleAsync(code);
  await writeUiHtmlAsync(outDir, ui.outputFiles[0]!.text);
  return { code, ui: join(outDir, 'ui.html') };
}

/**
 * The address `--team-server` names, as the studio's manifest will carry it, or the sentence
 * saying why not. Beyond the panels' own rule (client/team-server.ts: wss://, ws:// only on this
 * computer), Figma's import refuses an allowedDomains entry whose host is an IP address or a
 * name without a dot (its validator wants a letter top-level domain, or `localhost`), so the
 * build refuses them here, where the studio can still fix it.
 */
export function studioTeamServer(text: string): { ok: true; address: string } | { ok: false; message: string } {
  const parsed = parseTeamServerAddress(text);
  if (!parsed.ok) return parsed;
  if (parsed.address === null) return { ok: false, message: '--team-server needs an address: wss://HOST[:PORT], for example wss://atelier.studio.example:8443.' };
  const host = teamServerHost(parsed.address).replace(/:\d+$/, '');
  const named = host === 'localhost' || /\.[a-z]{2,}$/.test(host);
  if (!named) {
    return {
      ok: false,
      message: `Figma accepts only host names in a plugin's allowedDomains, not “${host}”: give the team server a name in your studio's DNS (for example atelier.studio.lan) and a TLS certificate for that name, then build with --team-server wss://that-name[:PORT].`,
    };
  }
  return { ok: true, address: parsed.address };
}

/** The studio's manifest: the committed one, its files beside it, and the team server allowed beside the local app. */
export async function studioManifestAsync(teamServer: string): Promise<Record<string, unknown>> {
  const manifest = JSON.parse(await readFile(join(pluginDir, '..', 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return {
    ...manifest,
    main: 'code.js',
    ui: 'ui.html',
    networkAccess: {
      allowedDomains: [DAEMON_URL, teamServer],
      reasoning: `Atelier sends the selected layers' pixels to your studio's Atelier server (${teamServerHost(teamServer)}) or to the Atelier app running on this computer (localhost) to apply neural style transfer, and receives the stylised image back. Nothing else is contacted.`,
    },
  };
}

/** The studio's copy of the plugin: three files in `outDir`, imported in Figma from its manifest.json. */
export async function buildStudioPluginAsync(teamServer: string, outDir = join(pluginDir, '..', STUDIO_PLUGIN_DIR), minify = false): Promise<{ manifest: string; code: string; ui: string }> {
  const checked = studioTeamServer(teamServer);
  if (!checked.ok) throw new Error(checked.message);
  const built = await buildPluginAsync({ outDir, minify, teamServer: checked.address });
  const manifest = join(outDir, 'manifest.json');
  await writeFile(manifest, `${JSON.stringify(await studioManifestAsync(checked.address), null, 2)}\n`);
  return { manifest, ...built };
}

/** `--team-server ADDRESS` (or `--team-server=ADDRESS`) among `args`, or null. */
export function teamServerArgument(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--team-server') return args[i + 1] ?? '';
    if (arg.startsWith('--team-server=')) return arg.slice('--team-server='.length);
  }
  return null;
}

/**
 * The command lines' `--team-server`: builds the studio's copy, or says why not (exit code 2).
 * Both build scripts take it, because `npm run build -- --team-server …` hands its arguments to
 * the last command of the script only (photopea/build.ts).
 */
export async function buildStudioFromArgsAsync(args: readonly string[]): Promise<void> {
  const team = teamServerArgument(args);
  if (team === null) return;
  try {
    const studio = await buildStudioPluginAsync(team, undefined, args.includes('--minify'));
    console.log(`[atelier] built the studio's Figma plugin for ${team}: import ${studio.manifest} in Figma (Plugins → Development → Import plugin from manifest…)`);
  } catch (error) {
    console.error(`[atelier] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
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
    const minify = process.argv.includes('--minify');
    const out = await buildPluginAsync({ minify });
    console.log(`[atelier] built ${out.code} and ${out.ui}`);
    await buildStudioFromArgsAsync(process.argv.slice(2));
  }
}
