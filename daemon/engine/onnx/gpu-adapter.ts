import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * What can be said about the GPU the WebGPU provider runs on. onnxruntime-node does not hand
 * out Dawn's adapter (vendor, name, backend): its WebGPU context picks one inside the native
 * library and logs nothing about it, even at verbose level (checked with onnxruntime-node
 * 1.30, `logSeverityLevel: 0`). So this says what the machine itself tells: a Vulkan driver
 * forced through VK_ICD_FILENAMES (how a software Vulkan such as SwiftShader is chosen), else
 * the GPUs Linux lists (NVIDIA's model name from its driver's /proc file, the PCI vendor of
 * the others), with the caveat that Dawn picked one of them.
 */
export interface GpuAdapterInfo {
  /** One line for the status line, the tray and `atelier doctor`. */
  description: string;
  /** Software rasteriser (SwiftShader, lavapipe): correct, but no faster than the CPU provider. */
  software: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** PCI vendor ids (pci.ids) of the GPU makers Dawn drives. */
const PCI_VENDORS: Record<string, string> = {
  '0x10de': 'NVIDIA',
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x5143': 'Qualcomm',
  '0x1af4': 'virtio (virtual GPU)',
  '0x15ad': 'VMware (virtual GPU)',
};

const SOFTWARE_ICDS: Array<[RegExp, string]> = [
  [/swiftshader/i, 'SwiftShader (Google\'s software Vulkan, runs on the CPU)'],
  [/lvp|lavapipe/i, 'lavapipe (Mesa\'s software Vulkan, runs on the CPU)'],
];

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The Vulkan drivers named by VK_ICD_FILENAMES / VK_DRIVER_FILES (the loader's override). */
function forcedIcds(env: Env): string[] {
  const files = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter(Boolean);
  return files.map((f) => {
    const json = readText(f);
    const library = json && /"library_path"\s*:\s*"([^"]+)"/.exec(json)?.[1];
    return library ? basename(library) : basename(f);
  });
}

/** GPUs Linux lists: NVIDIA's driver names its model; other cards by PCI vendor and device id. */
export function linuxGpus(root = '/'): string[] {
  const gpus: string[] = [];
  const nvidia = join(root, 'proc/driver/nvidia/gpus');
  for (const bus of list(nvidia)) {
    const model = /^Model:\s*(.+)$/m.exec(readText(join(nvidia, bus, 'information')) ?? '')?.[1]?.trim();
    if (model) gpus.push(model.startsWith('NVIDIA') ? model : `NVIDIA ${model}`);
  }
  const drm = join(root, 'sys/class/drm');
  for (const card of list(drm).filter((c) => /^card\d+$/.test(c))) {
    const vendorId = readText(join(drm, card, 'device/vendor'))?.trim();
    if (!vendorId || (vendorId === '0x10de' && gpus.some((g) => g.startsWith('NVIDIA')))) continue;
    const deviceId = readText(join(drm, card, 'device/device'))?.trim() ?? '?';
    gpus.push(`${PCI_VENDORS[vendorId] ?? `PCI vendor ${vendorId}`} GPU (device ${deviceId})`);
  }
  return gpus;
}

export function describeWebGpuAdapter(env: Env = process.env, platform: NodeJS.Platform = process.platform): GpuAdapterInfo {
  const backend = platform === 'win32' ? 'Direct3D 12' : platform === 'darwin' ? 'Metal' : 'Vulkan';
  const icds = platform === 'linux' ? forcedIcds(env) : [];
  if (icds.length > 0) {
    const named = icds.map((icd) => SOFTWARE_ICDS.find(([re]) => re.test(icd))?.[1] ?? icd);
    const software = icds.every((icd) => SOFTWARE_ICDS.some(([re]) => re.test(icd)));
    return { description: `Dawn on ${backend}: ${named.join(', ')} (VK_ICD_FILENAMES)`, software };
  }
  const gpus = platform === 'linux' ? linuxGpus() : [];
  if (gpus.length === 1) return { description: `Dawn on ${backend}: ${gpus[0]}`, software: false };
  if (gpus.length > 1) return { description: `Dawn on ${backend}: one of ${gpus.join('; ')}`, software: false };
  return { description: `Dawn on ${backend} (onnxruntime does not name the adapter)`, software: false };
}
