/**
 * Item 6 of issue 27: document reads one at a time, the latest ask winning. Each mouse-enter or
 * focus asks; a read is a Photopea script that may wait for its time-out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestRead } from '../../photopea/latest-read.ts';

function slowReads() {
  const started: number[] = [];
  const finishers: (() => void)[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const read = () =>
    new Promise<void>((resolve) => {
      started.push(started.length + 1);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      finishers.push(() => {
        inFlight--;
        resolve();
      });
    });
  return { read, started, finish: () => finishers.shift()!(), mostInFlight: () => mostInFlight };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('ten asks while a read is in flight make one more read after it, never two at once', async () => {
  const r = slowReads();
  const reads = new LatestRead(r.read);
  const asks = Array.from({ length: 10 }, () => reads.request());
  await settle();
  assert.equal(r.started.length, 1);
  r.finish();
  await settle();
  assert.equal(r.started.length, 2, 'the asks made meanwhile share one read');
  r.finish();
  await Promise.all(asks);
  assert.equal(r.mostInFlight(), 1);
  assert.equal(r.started.length, 2);
});

test('an ask resolves only after a read that started after it (the latest state)', async () => {
  const r = slowReads();
  const reads = new LatestRead(r.read);
  void reads.request();
  await settle();
  let answered = false;
  const late = reads.request().then(() => {
    answered = true;
  });
  r.finish();
  await settle();
  assert.equal(answered, false, 'the read in flight began before the ask');
  r.finish();
  await late;
  assert.equal(answered, true);
});

test('a failed read does not stop the next one', async () => {
  let calls = 0;
  const reads = new LatestRead(async () => {
    calls++;
    if (calls === 1) throw new Error('lost');
  });
  const first = reads.request();
  const second = reads.request();
  await assert.rejects(first);
  await second;
  assert.equal(calls, 2);
});
