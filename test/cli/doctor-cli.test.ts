import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { DoctorReport } from '../../daemon/cli/doctor-command.ts';
import { writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { skipWithoutSwiftShader, swiftShaderEnvAsync } from '../support/swiftshader.ts';

/**
 * `atelier doctor --json` as a designer (or CI) runs it, and the CLI's use of the daemon's
 * cached weights. On a machine without a GPU or Vulkan, doctor must say webgpu does not start
 * and why; on SwiftShader it must name the adapter and pass the parity check.
 */
const bin = fileURLToPath(new URL('../../bin/atelier.js', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'atelier-doctor-'));
after(() => rm(dir, { recursive: true, force: true }));
const emptyCache = join(dir, 'empty-cache');
const fullCache = join(dir, 'cache');
// Where the daemon's first run leaves its conversion (weights-download/weights-source.ts).
await writeRandomWeightsAsync(join(fullCache, 'atelier', 'vgg19-keras-float32'), { seed: 3 });

function atelier(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...env, ATELIER_WEIGHTS: '' }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function doctor(cache: string, env: NodeJS.ProcessEnv = process.env): DoctorReport {
  const r = atelier(['doctor', '--json'], { ...env, XDG_CACHE_HOME: cache });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DoctorReport;
}

let plainReport: DoctorReport | undefined;

test('doctor --json: every provider and backend, webgpu with its reason or its adapter, no weights yet', () => {
  const report = (plainReport = doctor(emptyCache, { ...process.env, VK_ICD_FILENAMES: '' }));
  assert.equal(report.weights.found, false);
  assert.match(report.weights.problem ?? '', /npm start/);
  const { onnx, tfjs } = report.engines;
  assert.equal(onnx.loads, true);
  const cpu = onnx.providers.find((p) => p.name === 'cpu');
  assert.equal(cpu?.starts, true);
  const webgpu = onnx.providers.find((p) => p.name === 'webgpu');
  assert.ok(webgpu, 'webgpu is reported');
  if (webgpu.starts) {
    assert.match(webgpu.adapter ?? '', /^Dawn on /);
    assert.equal(webgpu.parity?.ok, true, JSON.stringify(webgpu.parity));
  } else {
    assert.ok((webgpu.reason ?? '').length > 10, `a reason: ${webgpu.reason}`);
  }
  assert.ok(onnx.auto && onnx.providers.find((p) => p.name === onnx.auto)?.starts);
  assert.deepEqual(tfjs.backends.map((b) => b.name), ['tensorflow', 'wasm', 'cpu']);
  assert.equal(tfjs.backends.find((b) => b.name === 'cpu')?.starts, true);
});

test('doctor on SwiftShader: webgpu starts, names the software adapter, matches the CPU; auto passes it over', { skip: skipWithoutSwiftShader }, async () => {
  const report = doctor(emptyCache, await swiftShaderEnvAsync());
  const webgpu = report.engines.onnx.providers.find((p) => p.name === 'webgpu');
  assert.equal(webgpu?.starts, true, webgpu?.reason);
  assert.match(webgpu.adapter ?? '', /SwiftShader/);
  assert.equal(webgpu.softwareAdapter, true);
  assert.equal(webgpu.parity?.ok, true, JSON.stringify(webgpu.parity));
  assert.notEqual(report.engines.onnx.auto, 'webgpu');
});

test('stylize and doctor use the weights the daemon cached when neither --weights nor ATELIER_WEIGHTS names any', async () => {
  const content = join(dir, 'c.png');
  const style = join(dir, 's.png');
  await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c08040' } }).png().toFile(content);
  await sharp({ create: { width: 30, height: 30, channels: 3, background: '#2040c0' } }).png().toFile(style);
  const args = ['stylize', content, style, '-o', join(dir, 'o.png'), '--backend', 'cpu', '--execution-provider', 'cpu', '--max-side', '24', '--stages', '1', '--iterations', '2', '--json'];
  const none = atelier(args, { ...process.env, XDG_CACHE_HOME: emptyCache });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /No VGG-19 weights given or cached.*npm start/);
  const cached = atelier(args, { ...process.env, XDG_CACHE_HOME: fullCache });
  assert.equal(cached.code, 0, cached.stderr);
  assert.match(cached.stdout, /"type":"result"/);
  const report = doctor(fullCache);
  assert.equal(report.weights.found, true);
  assert.equal(report.weights.origin, 'cache');
  assert.equal(report.weights.path, join(fullCache, 'atelier', 'vgg19-keras-float32'));
});

test('a forced provider that cannot start fails with its reason and code, never a fallback to tfjs', async (t) => {
  const webgpu = plainReport?.engines.onnx.providers.find((p) => p.name === 'webgpu');
  if (!webgpu || webgpu.starts) return t.skip('webgpu starts on this machine');
  const content = join(dir, 'c2.png');
  await sharp({ create: { width: 20, height: 20, channels: 3, background: '#808080' } }).png().toFile(content);
  const r = atelier(['stylize', content, content, '-o', join(dir, 'x.png'), '--execution-provider', 'webgpu', '--max-side', '16'], { ...process.env, XDG_CACHE_HOME: fullCache, VK_ICD_FILENAMES: '' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /The ONNX Runtime webgpu provider did not start here \(.+\).*\(backend-unavailable\)/);
  assert.ok(r.stderr.includes(webgpu.reason!), 'the same reason doctor gives');
});
