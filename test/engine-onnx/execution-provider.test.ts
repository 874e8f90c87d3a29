import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../daemon/engine/index.ts';
import { failureReason, type ResolvedProvider } from '../../daemon/engine/onnx/execution-provider.ts';
import { describeWebGpuAdapter, linuxGpus } from '../../daemon/engine/onnx/gpu-adapter.ts';
import { autoOrder, probeProviderAsync, resolveProviderAsync } from '../../daemon/engine/onnx/index.ts';

test('cpu resolves to every core by default, or the threads asked for', async () => {
  const all = await resolveProviderAsync('cpu');
  assert.equal(all.name, 'cpu');
  assert.equal(all.sessionOptions.intraOpNumThreads, cpus().length);
  assert.match(all.device, new RegExp(`onnxruntime, ${cpus().length} thread`));
  const one = await resolveProviderAsync('cpu', 1);
  assert.equal(one.sessionOptions.intraOpNumThreads, 1);
  assert.equal(one.device, 'CPU (onnxruntime, 1 thread)');
});

test('auto tries the GPU providers in order (CUDA, then WebGPU on Linux), the CPU last', () => {
  const order = autoOrder();
  assert.equal(order.at(-1), 'cpu');
  if (platform() === 'linux') assert.deepEqual(order, ['cuda', 'webgpu', 'cpu']);
});

test('each named GPU provider starts, or fails with a coded error saying why and how to enable it; auto takes the first that starts', async () => {
  const gpus = autoOrder().filter((n) => n !== 'cpu');
  let firstStarted: string | undefined;
  for (const name of gpus) {
    const named: ResolvedProvider | Error = await resolveProviderAsync(name, 1).then(
      (p) => p,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    if (named instanceof Error) {
      assert.ok(named instanceof EngineError, `expected an EngineError, got ${String(named)}`);
      assert.equal(named.code, 'backend-unavailable');
      assert.match(named.message, new RegExp(`The ONNX Runtime ${name} provider did not start here \\(.+\\)`));
      assert.match(named.message, /cpu provider/);
      if (name === 'cuda') assert.match(named.message, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
      if (name === 'webgpu') assert.match(named.message, /Vulkan/);
      // The probe gives the same reason doctor prints.
      const probe = await probeProviderAsync(name, 1);
      assert.ok(probe.failure && named.message.includes(probe.failure));
    } else {
      assert.equal(named.name, name);
      if (name === 'webgpu') assert.match(named.adapter ?? '', /^Dawn on /);
      firstStarted ??= name;
    }
  }
  const auto = await resolveProviderAsync('auto', 1);
  assert.equal(auto.name, firstStarted ?? 'cpu');
});

test('an onnxruntime failure is cut down to its sentence', () => {
  const message =
    '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\nstack';
  assert.equal(failureReason(new Error(message)), 'Failed to get a WebGPU adapter: No supported adapters');
  assert.equal(failureReason(new Error('plain sentence')), 'plain sentence');
});

test('the adapter line: NVIDIA by model name, other GPUs by PCI vendor, a forced Vulkan driver by name', async () => {
  const root = await mkdtemp(join(tmpdir(), 'atelier-gpu-'));
  const nvidia = join(root, 'proc/driver/nvidia/gpus/0000:01:00.0');
  await mkdir(nvidia, { recursive: true });
  await writeFile(join(nvidia, 'information'), 'Model: \t\t NVIDIA H200\nIRQ:   42\n');
  for (const [card, vendor, device] of [['card0', '0x10de', '0x2335'], ['card1', '0x8086', '0x46a6']]) {
    await mkdir(join(root, 'sys/class/drm', card, 'device'), { recursive: true });
    await writeFile(join(root, 'sys/class/drm', card, 'device/vendor'), `${vendor}\n`);
    await writeFile(join(root, 'sys/class/drm', card, 'device/device'), `${device}\n`);
  }
  // A connector entry is not a card.
  await mkdir(join(root, 'sys/class/drm/card0-DP-1'), { recursive: true });
  assert.deepEqual(linuxGpus(root), ['NVIDIA H200', 'Intel GPU (device 0x46a6)']);

  const icd = join(root, 'swiftshader_icd.json');
  await writeFile(icd, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: '/usr/lib/chromium/libvk_swiftshader.so', api_version: '1.0.5' } }));
  const forced = describeWebGpuAdapter({ VK_ICD_FILENAMES: icd }, 'linux');
  assert.equal(forced.software, true);
  assert.match(forced.description, /^Dawn on Vulkan: SwiftShader/);
  assert.match(describeWebGpuAdapter({}, 'win32').description, /^Dawn on Direct3D 12/);
});
