import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A software Vulkan for running ONNX Runtime's WebGPU provider (Dawn) on a machine without a
 * GPU: SwiftShader, as Debian's chromium package ships it (libvk_swiftshader.so, with the
 * Vulkan loader libvulkan.so.1 beside it). Its own ICD file names the library relatively, so
 * we write one with the absolute path and point the loader at it (VK_ICD_FILENAMES); the
 * loader itself is found through LD_LIBRARY_PATH, which the dynamic linker reads at process
 * start — hence the environment is for a child process. Mesa's lavapipe is no substitute:
 * Dawn refuses it ("Vulkan shaderUniform*ArrayDynamicIndexing required", Debian 12's 22.3).
 */
export const SWIFTSHADER_DIR = '/usr/lib/chromium';
const LIBRARY = join(SWIFTSHADER_DIR, 'libvk_swiftshader.so');
const LOADER = join(SWIFTSHADER_DIR, 'libvulkan.so.1');

export const skipWithoutSwiftShader: string | false =
  existsSync(LIBRARY) && existsSync(LOADER)
    ? false
    : `needs SwiftShader and the Vulkan loader from Debian's chromium package (${LIBRARY}, ${LOADER}); .ci/run installs chromium`;

/** Environment for a child process whose WebGPU runs on SwiftShader. */
export async function swiftShaderEnvAsync(): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-vk-'));
  const icd = join(dir, 'swiftshader_icd.json');
  await writeFile(icd, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: LIBRARY, api_version: '1.0.5' } }));
  const ld = [SWIFTSHADER_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { ...process.env, VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: ld };
}
