import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as node from 'node:test';
import * as tf from '../../daemon/engine/tf.ts';
import { createEngineAsync, EngineError, writeRandomWeightsAsync, type RgbImage, type StylizeEvent } from '../../daemon/engine/index.ts';

const dir = await mkdtemp(join(tmpdir(), 'atelier-stylize-'));
await writeRandomWeightsAsync(dir, { seed: 11 });

// The driver's behaviour is the same whichever engine computes the loss and gradient.
for (const engineName of ['tfjs', 'onnx'] as const) {
  const engine = await createEngineAsync({ weightsDir: dir, backend: 'cpu', engine: engineName });
  const test = (name: string, fn: () => Promise<void>) => node.test(`${engineName}: ${name}`, fn);

  function pattern(width: number, height: number, k: number): RgbImage {
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * k + ((i / (width * 3)) | 0) * 7) % 256;
    return { width, height, data };
  }

  async function collectAsync(gen: AsyncGenerator<StylizeEvent>): Promise<StylizeEvent[]> {
    const events: StylizeEvent[] = [];
    for await (const ev of gen) events.push(ev);
    return events;
  }

  const content = pattern(48, 36, 5);
  const style = pattern(30, 30, 13);

  test('a job streams start, monotonic progress with ETA and previews, then the result at the requested size', async () => {
    const events = await collectAsync(
      engine.stylize({
        content,
        styles: [{ image: style, weight: 1 }],
        options: { preset: 'reference', maxSide: 48, iterations: 6, progressEvery: 2, previewEvery: 3, previewMaxSide: 16 },
      }),
    );
    assert.equal(events[0].type, 'start');
    const progress = events.filter((e) => e.type === 'progress');
    assert.deepEqual(progress.map((p) => [p.stage, p.iteration]), [[1, 2], [1, 4], [1, 6], [2, 2], [2, 4], [2, 6]]);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].seconds >= progress[i - 1].seconds);
    assert.ok(progress.every((p) => Number.isFinite(p.etaSeconds) && p.etaSeconds >= 0));
    assert.equal(progress[progress.length - 1].etaSeconds, 0);
    const withPreview = progress.filter((p) => p.preview);
    assert.ok(withPreview.length >= 2);
    assert.ok(withPreview.every((p) => Math.max(p.preview!.width, p.preview!.height) <= 16));
    const result = events[events.length - 1];
    assert.equal(result.type, 'result');
    if (result.type === 'result') assert.deepEqual([result.image.width, result.image.height], [48, 36]);
  });

  test('the style balance multiplies the style loss by the factor the start event reports, and only it', async () => {
    const runAsync = (normalizeStyle: boolean) =>
      collectAsync(
        engine.stylize({ content, styles: [{ image: style, weight: 1 }], options: { preset: 'atelier', normalizeStyle, maxSide: 48, stages: 1, iterations: 1 } }),
      );
    const [on, off] = [await runAsync(true), await runAsync(false)];
    const balance = (evs: StylizeEvent[]) => (evs[0].type === 'start' ? evs[0].styleBalance : NaN);
    const first = (evs: StylizeEvent[]) => evs.find((e) => e.type === 'progress')!;
    assert.equal(balance(off), 1);
    const factor = balance(on);
    // These weights' Grams are nothing like The Scream's: the factor is far from 1.
    assert.ok(Number.isFinite(factor) && factor > 0 && Math.abs(Math.log(factor)) > 0.1, String(factor));
    const [a, b] = [first(on), first(off)];
    assert.ok(a.type === 'progress' && b.type === 'progress');
    // The first evaluation is at the same start (the recoloured content) in both runs.
    assert.ok(Math.abs(a.losses.style / b.losses.style - factor) < 1e-3 * factor, `${a.losses.style} / ${b.losses.style} vs ${factor}`);
    assert.equal(a.losses.content, b.losses.content);
    assert.equal(a.losses.tv, b.losses.tv);
  });

  test('Adam lowers the total loss over a stage', async () => {
    const events = await collectAsync(
      engine.stylize({ content, styles: [{ image: style, weight: 1 }], options: { preset: 'reference', maxSide: 48, stages: 1, iterations: 30, progressEvery: 1 } }),
    );
    const totals = events.flatMap((e) => (e.type === 'progress' ? [e.losses.total] : []));
    assert.ok(totals[totals.length - 1] < 0.9 * totals[0], `${totals[0]} → ${totals[totals.length - 1]}`);
  });

  test('cancel stops within one iteration, rejects with code cancelled, and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of engine.stylize({
          content,
          styles: [{ image: style, weight: 1 }],
          signal: controller.signal,
          options: { preset: 'classic', maxSide: 48, iterations: 50, progressEvery: 1 },
        })) {
          if (ev.type === 'progress') {
            seen.push(ev.iteration);
            if (ev.iteration === 3) controller.abort();
          }
        }
      })(),
      (e: unknown) => e instanceof EngineError && e.code === 'cancelled',
    );
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(tf.memory().numTensors, before);
  });

  test('a job gives the event loop a turn every iteration, so an abort from a timer lands', async () => {
    const controller = new AbortController();
    let iterations = 0;
    setTimeout(() => controller.abort(), 0);
    await assert.rejects(
      (async () => {
        for await (const ev of engine.stylize({
          content,
          styles: [{ image: style, weight: 1 }],
          signal: controller.signal,
          // progressEvery 1000: the consumer never awaits anything that would yield by itself.
          options: { preset: 'reference', maxSide: 48, stages: 1, iterations: 200, progressEvery: 1000 },
        })) {
          if (ev.type === 'progress') iterations = ev.iteration;
        }
      })(),
      (e: unknown) => e instanceof EngineError && e.code === 'cancelled',
    );
    assert.equal(iterations, 0);
  });

  test('no tensor leaks across jobs, with several styles blended and L-BFGS', async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      await collectAsync(
        engine.stylize({
          content,
          styles: [{ image: style, weight: 2 }, { image: pattern(20, 40, 3), weight: 1 }],
          options: { preset: 'classic', maxSide: 48, iterations: 4 },
        }),
      );
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test('keyed style targets are cached across jobs and reused', async () => {
    engine.styleCache.clear();
    const run = () =>
      collectAsync(engine.stylize({ content, styles: [{ image: style, weight: 1, cacheKey: 'style-a' }], options: { preset: 'classic', maxSide: 32, stages: 1, iterations: 2 } }));
    await run();
    assert.equal(engine.styleCache.size, 1);
    const before = tf.memory().numTensors;
    await run();
    assert.equal(engine.styleCache.size, 1);
    assert.equal(tf.memory().numTensors, before);
  });

  test('bad inputs are refused before any work', async () => {
    const refuse = async (request: Parameters<typeof engine.stylize>[0], code: string) =>
      assert.rejects(collectAsync(engine.stylize(request)), (e: unknown) => e instanceof EngineError && e.code === code);
    await refuse({ content: { width: 0, height: 0, data: new Uint8Array() }, styles: [{ image: style, weight: 1 }] }, 'bad-image');
    await refuse({ content, styles: [] }, 'bad-image');
    await refuse({ content: { width: 4, height: 4, data: new Uint8Array(5) }, styles: [{ image: style, weight: 1 }] }, 'bad-image');
    await refuse({ content, styles: [{ image: style, weight: 0 }] }, 'bad-options');
    await refuse({ content, styles: [{ image: style, weight: 1 }], options: { preset: 'missing' } }, 'bad-options');
  });
}
