import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONVENTIONS, preprocess } from '../../daemon/engine/convention.ts';
import { EngineError, writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import type { LossBackend, StageInputs } from '../../daemon/engine/loss-function.ts';
import { createOnnxLossBackendAsync, OnnxLossBackend, WorkerOnnxLossBackend } from '../../daemon/engine/onnx/index.ts';
import { OnnxWorkerClient } from '../../daemon/engine/onnx/worker-client.ts';
import { imageToTensor } from '../../daemon/engine/resize-image.ts';
import * as tf from '../../daemon/engine/tf.ts';
import { disposeVggWeights, loadVggWeightsAsync, type VggWeights } from '../../daemon/engine/weights/load-weights.ts';
import { WORKER_MALLOC_MMAP_THRESHOLD_BYTES } from '../../daemon/engine/onnx/limits.ts';
import { generatedWeightsAsync, referenceOptions, testImage } from './stage-fixture.ts';

/**
 * The worker path (the default): same numbers as the calling-thread path, the event loop free
 * during an evaluation, the style cache mirrored, errors with their codes, and no evaluation
 * or process left hanging by dispose.
 */
const [height, width] = [48, 72];

function stageInputs(weights: VggWeights, cacheKey?: string, styleSeed = 2): StageInputs {
  return {
    content: testImage(1, height, width),
    styles: [{ image: testImage(styleSeed, height, width), weight: 1, cacheKey }],
    options: referenceOptions(weights.convention, height, width),
    height,
    width,
  };
}

function pointOf(weights: VggWeights): tf.Tensor4D {
  return tf.tidy(() => preprocess(imageToTensor(testImage(4, height, width)), CONVENTIONS[weights.convention]));
}

type LoopEvent = 'message' | 'queue-settled';

/**
 * Starts an evaluation and `queued` more back to back; when the first ends, posts a message to
 * this thread on a MessageChannel. Returns which came first: the message being handled, or the
 * last queued evaluation ending. With the work on the calling thread, the next evaluation is
 * already queued to run when the message is posted, and blocks the loop until it ends: the
 * message comes after it (so one queued evaluation is enough there). In a worker, the queued
 * evaluations run over there and this thread handles the message meanwhile; queueing several
 * means only a thread starved for all of them could swap the order. An order of events, not a
 * count of turns or a duration: a busy machine slows both sides alike.
 */
async function orderOfEventsAsync<T>(evaluate: () => Promise<T>, queued: number): Promise<{ value: T; rest: T[]; events: LoopEvent[] }> {
  const events: LoopEvent[] = [];
  const { port1, port2 } = new MessageChannel();
  try {
    const first = evaluate();
    const rest = Promise.all(Array.from({ length: queued }, () => evaluate())).then((values) => {
      events.push('queue-settled');
      return values;
    });
    const handled = first.then(
      (value) =>
        new Promise<T>((resolve) => {
          port2.onmessage = () => {
            events.push('message');
            resolve(value);
          };
          port1.postMessage('ping');
        }),
    );
    const [value, others] = await Promise.all([handled, rest]);
    return { value, rest: others, events };
  } finally {
    port1.close();
    port2.close();
  }
}

/** Evaluations queued behind the first on the worker (see orderOfEventsAsync). */
const WORKER_QUEUE = 6;

async function withBackendsAsync(weights: VggWeights, body: (worker: LossBackend, inThread: LossBackend) => Promise<void>): Promise<void> {
  const worker = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
  const inThread = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu', inWorker: false });
  try {
    assert.ok(worker instanceof WorkerOnnxLossBackend, 'the worker is the default');
    assert.ok(inThread instanceof OnnxLossBackend);
    await body(worker, inThread);
  } finally {
    worker.dispose();
    inThread.dispose();
  }
}

test('this thread handles a message while the worker evaluates, and not while the calling thread does; same results', async () => {
  // Wider layers than the default generated weights, so an evaluation takes a while.
  const weights = await generatedWeightsAsync(61, [16, 32, 32, 32, 32]);
  const x = pointOf(weights);
  try {
    await withBackendsAsync(weights, async (worker, inThread) => {
      const a = await worker.prepareStageAsync(stageInputs(weights));
      const b = await inThread.prepareStageAsync(stageInputs(weights));
      try {
        // Warm both sessions: onnxruntime plans memory on the first run.
        for (const s of [a, b]) (await s.evaluateAsync(x)).grad.dispose();
        const off = await orderOfEventsAsync(() => a.evaluateAsync(x), WORKER_QUEUE);
        const on = await orderOfEventsAsync(() => b.evaluateAsync(x), 1);
        assert.deepEqual(off.events, ['message', 'queue-settled'], 'worker: this thread handles a message while the worker evaluates');
        assert.deepEqual(on.events, ['queue-settled', 'message'], 'calling thread: the evaluation holds the loop until it ends');
        for (const part of ['content', 'style', 'tv'] as const) {
          assert.ok(Math.abs(off.value[part] - on.value[part]) <= 1e-6 * Math.abs(on.value[part]), `${part}: ${off.value[part]} vs ${on.value[part]}`);
        }
        assert.deepEqual(off.value.grad.shape, x.shape);
        const ga = (await off.value.grad.data()) as Float32Array;
        const gb = (await on.value.grad.data()) as Float32Array;
        const scale = gb.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assert.ok(scale > 0);
        for (let i = 0; i < ga.length; i++) assert.ok(Math.abs(ga[i] - gb[i]) <= 1e-6 * scale, `gradient element ${i}: ${ga[i]} vs ${gb[i]}`);
        for (const r of [off.value, ...off.rest, on.value, ...on.rest]) r.grad.dispose();
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  } finally {
    x.dispose();
    disposeVggWeights(weights);
  }
});

test('keyed style Grams are cached in the worker: size mirrors it, clear empties it, a hit gives the same losses', async () => {
  const weights = await generatedWeightsAsync(62);
  const x = pointOf(weights);
  const backend = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
  try {
    const lossesAsync = async (inputs: StageInputs): Promise<number[]> => {
      const stage = await backend.prepareStageAsync(inputs);
      try {
        const r = await stage.evaluateAsync(x);
        r.grad.dispose();
        return [r.content, r.style, r.tv];
      } finally {
        stage.dispose();
      }
    };
    assert.equal(backend.styleCache?.size, 0);
    const first = await lossesAsync(stageInputs(weights, 'style-a'));
    assert.equal(backend.styleCache?.size, 1);
    // Same key, other pixels: the cached Grams are used, so the losses are the first ones.
    assert.deepEqual(await lossesAsync(stageInputs(weights, 'style-a', 9)), first);
    assert.equal(backend.styleCache?.size, 1);
    await lossesAsync(stageInputs(weights, 'style-b', 9));
    assert.equal(backend.styleCache?.size, 2);
    backend.styleCache?.clear();
    assert.equal(backend.styleCache?.size, 0);
    // Cleared in the worker too: the same key now reads the new pixels.
    const fresh = await lossesAsync(stageInputs(weights, 'style-a', 9));
    assert.notDeepEqual(fresh, first);
    assert.equal(backend.styleCache?.size, 1);
  } finally {
    backend.dispose();
    x.dispose();
    disposeVggWeights(weights);
  }
});

test('dispose during an evaluation rejects it as cancelled, without a crash; later calls are refused alike', async () => {
  const weights = await generatedWeightsAsync(63);
  const x = pointOf(weights);
  const backend = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
  try {
    const stage = await backend.prepareStageAsync(stageInputs(weights));
    // Dispose in the same turn the request is posted: the worker has it (and is busy with it)
    // but its reply, a later message event, cannot have arrived. Waiting a turn instead races
    // a small evaluation, which can finish first.
    const { callAsync } = OnnxWorkerClient.prototype;
    let posted = false;
    OnnxWorkerClient.prototype.callAsync = function (this: OnnxWorkerClient, ...args: Parameters<typeof callAsync>) {
      const reply = callAsync.apply(this, args);
      posted = true;
      backend.dispose();
      return reply;
    } as typeof callAsync;
    let inFlight: Promise<unknown>;
    try {
      inFlight = stage.evaluateAsync(x);
      // Settle it here so that a rejection is not reported unhandled before it is asserted.
      await inFlight.catch(() => undefined);
    } finally {
      OnnxWorkerClient.prototype.callAsync = callAsync;
    }
    assert.ok(posted, 'the evaluation reached the worker client');
    await assert.rejects(inFlight, (e: unknown) => e instanceof EngineError && e.code === 'cancelled');
    await assert.rejects(backend.prepareStageAsync(stageInputs(weights)), (e: unknown) => e instanceof EngineError && e.code === 'cancelled');
    stage.dispose();
    await assert.rejects(stage.evaluateAsync(x), /disposed/);
  } finally {
    backend.dispose();
    x.dispose();
    disposeVggWeights(weights);
  }
});

test('an error inside the worker comes back as an EngineError with its code', { skip: platform() !== 'linux' && 'the CUDA provider exists only on Linux' }, async () => {
  const weights = await generatedWeightsAsync(64);
  try {
    const started = await createOnnxLossBackendAsync(weights, { executionProvider: 'cuda' }).then(
      (b) => b,
      (e: unknown) => e,
    );
    if (started instanceof Error) {
      assert.ok(started instanceof EngineError, `expected an EngineError, got ${String(started)}`);
      assert.equal(started.code, 'backend-unavailable');
      assert.match(started.message, /cpu provider/);
      assert.match(String(started.cause), /in the ONNX worker/);
    } else {
      // A machine with CUDA: the provider really started in the worker.
      assert.equal((started as LossBackend).backend, 'cuda');
      (started as LossBackend).dispose();
    }
  } finally {
    disposeVggWeights(weights);
  }
});

/** A module script for `node --input-type=module -e` (in the repository root) that starts a worker backend on generated weights as `backend`, then runs `rest`. */
function backendScript(seed: number, rest: string): string {
  return `
    import { register } from 'tsx/esm/api';
    register();
    const { createOnnxLossBackendAsync } = await import('./daemon/engine/onnx/index.ts');
    const { generatedWeightsAsync } = await import('./test/engine-onnx/stage-fixture.ts');
    const backend = await createOnnxLossBackendAsync(await generatedWeightsAsync(${seed}), { executionProvider: 'cpu' });
    ${rest}
  `;
}

test('the worker starts when the parent registered tsx with register() (as bin/atelier.js does), and the process exits', async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // No dispose on purpose: an idle worker must not hold the process open.
  const script = backendScript(65, 'console.log(backend.constructor.name, backend.backend);');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'WorkerOnnxLossBackend cpu');
});

test('a worker that reads the weights folder itself gives the losses of one sent the loaded weights', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-onnx-folder-'));
  await writeRandomWeightsAsync(dir, { seed: 66 });
  const weights = await loadVggWeightsAsync(dir);
  const x = pointOf(weights);
  const fromFolder = await createOnnxLossBackendAsync({ dir, convention: weights.convention, source: weights.source }, { executionProvider: 'cpu' });
  const sent = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
  try {
    const [a, b] = await Promise.all([fromFolder.prepareStageAsync(stageInputs(weights)), sent.prepareStageAsync(stageInputs(weights))]);
    const [ra, rb] = [await a.evaluateAsync(x), await b.evaluateAsync(x)];
    for (const part of ['content', 'style', 'tv'] as const) {
      assert.ok(rb[part] > 0, `${part} is not zero`);
      assert.equal(ra[part], rb[part], part);
    }
    assert.deepEqual(Array.from((await ra.grad.data()) as Float32Array), Array.from((await rb.grad.data()) as Float32Array));
    for (const r of [ra, rb]) r.grad.dispose();
    a.dispose();
    b.dispose();
  } finally {
    fromFolder.dispose();
    sent.dispose();
    x.dispose();
    disposeVggWeights(weights);
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'the worker is a child process, and it does not outlive a parent killed outright',
  { skip: platform() !== 'linux' && 'reads /proc', timeout: 120_000 },
  async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    // The parent starts a backend, says so, and waits to be killed (SIGKILL: no handler runs).
    const script = backendScript(67, "console.log('ready'); setInterval(() => backend.backend, 1000);");
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        parent.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        parent.on('exit', (code) => reject(new Error(`the parent exited (${code}) before its backend started`)));
      });
      const children = (await readFile(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
      assert.equal(children.length, 1, `one child process, the worker: ${children}`);
      const worker = children[0]!;
      assert.match(await readFile(`/proc/${worker}/cmdline`, 'utf8'), /onnx-worker-bootstrap\.mjs/);
      parent.kill('SIGKILL');
      await once(parent, 'exit');
      // The worker's IPC channel closes with its parent; it exits on its own, however long that takes here.
      while (existsSync(`/proc/${worker}`) && !(await readFile(`/proc/${worker}/stat`, 'utf8').catch(() => ' Z ')).includes(' Z ')) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      parent.kill('SIGKILL');
    }
  },
);

test('the worker’s environment gets glibc’s mmap threshold when the parent has none', { skip: platform() !== 'linux' && 'glibc only' }, async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const script = backendScript(
    68,
    `const { readFileSync } = await import('node:fs');
    const [worker] = readFileSync('/proc/' + process.pid + '/task/' + process.pid + '/children', 'utf8').trim().split(' ');
    console.log(readFileSync('/proc/' + worker + '/environ', 'utf8').split('\\0').filter((v) => v.startsWith('MALLOC_MMAP_THRESHOLD_=')).join(','));
    backend.dispose();`,
  );
  const env = { ...process.env };
  delete env.MALLOC_MMAP_THRESHOLD_;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000, env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `MALLOC_MMAP_THRESHOLD_=${WORKER_MALLOC_MMAP_THRESHOLD_BYTES}`);
});
