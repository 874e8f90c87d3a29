import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';
import { LAYOUT } from './targets.ts';

/**
 * Packages left out of the bundle and copied as files instead (native-parts.ts): native
 * binaries, helpers spawned from their package folder, wasm loaded from beside its module.
 * The tensorflow bindings are optional and not shipped: backend.ts tries them and moves on.
 */
export const EXTERNAL_PACKAGES = ['sharp', 'onnxruntime-node', 'systray2', 'h5wasm'] as const;
const NOT_SHIPPED = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'bufferutil', 'utf-8-validate'];

/**
 * CommonJS code inside an ES module bundle still calls require() and reads __dirname
 * (tfjs-backend-wasm finds its .wasm files there): give it both, for the bundle's own folder.
 */
const BANNER = [
  "import { createRequire as __atelierCreateRequire } from 'node:module';",
  "import { dirname as __atelierDirname } from 'node:path';",
  "import { fileURLToPath as __atelierFileUrlToPath } from 'node:url';",
  'const require = __atelierCreateRequire(import.meta.url);',
  'const __filename = __atelierFileUrlToPath(import.meta.url);',
  'const __dirname = __atelierDirname(__filename);',
].join('\n');

/** tfjs-backend-wasm's binaries, read from `__dirname` (the bundle's folder) at its start. */
const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export interface BundledDaemon {
  /** Every package folder (…/node_modules/<name>) whose code went into the bundles. */
  bundledPackageDirs: string[];
}

/**
 * The CLI (which also starts the daemon) and the ONNX worker as two ES modules under
 * `<root>/app/daemon/`, with no TypeScript and no loader at run time.
 */
export async function bundleDaemonAsync(repoRoot: string, packageRoot: string, version: string): Promise<BundledDaemon> {
  const outdir = join(packageRoot, LAYOUT.bundleDir);
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: {
      atelier: join(repoRoot, 'daemon/cli/bundle-entry.ts'),
      'onnx-worker-bootstrap': join(repoRoot, 'daemon/engine/onnx/onnx-worker.ts'),
    },
    outdir,
    outExtension: { '.js': '.mjs' },
    // Split at dynamic imports, as the sources are loaded under tsx: onnxruntime-node (an
    // external, imported statically by the ONNX engine's modules) then loads when the engine
    // is asked for, not at every `atelier --version`, and a platform without its binary
    // (an Intel Mac) still starts, on the tfjs engine.
    splitting: true,
    // Beside the entries: their code resolves files against its own module's URL or __dirname
    // (the worker, the Photopea page, tfjs' .wasm files), so every chunk sits where the entries do.
    chunkNames: '[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: [...EXTERNAL_PACKAGES, ...NOT_SHIPPED],
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
    plugins: [versionPlugin(version)],
  });
  const wasmDir = join(dirname(createRequire(join(repoRoot, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm')));
  await Promise.all(TFJS_WASM_FILES.map((name) => copyFile(join(wasmDir, name), join(outdir, name))));
  const dirs = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) dirs.add(join(repoRoot, match[1]!));
  }
  return { bundledPackageDirs: [...dirs].sort() };
}

/** The version is the package's, fixed at build time (the bundle has no package.json of its own to read). */
function versionPlugin(version: string): esbuild.Plugin {
  return {
    name: 'atelier-version',
    setup(build) {
      build.onLoad({ filter: /daemon[\\/]app[\\/]daemon-version\.ts$/ }, () => ({
        loader: 'ts',
        contents: `export function readDaemonVersion(): string { return ${JSON.stringify(version)}; }`,
      }));
    },
  };
}
