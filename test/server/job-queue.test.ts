import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobQueue, type CancelReason } from '../../daemon/server/job-queue.ts';

interface J {
  id: string;
  ownerId: string;
}

/** A runner whose jobs finish when the test says so (or when aborted). */
function harness(maxQueued: number) {
  const log: string[] = [];
  const finishers = new Map<string, () => void>();
  const queue = new JobQueue<J>({
    maxQueued,
    run: (job, signal) =>
      new Promise<void>((resolve) => {
        log.push(`start ${job.id}`);
        finishers.set(job.id, () => {
          log.push(`end ${job.id}`);
          resolve();
        });
        signal.addEventListener('abort', () => {
          log.push(`abort ${job.id} ${String(signal.reason)}`);
          resolve();
        });
      }),
    onPosition: (job, position) => log.push(`position ${job.id} ${position}`),
    onCancelledWaiting: (job, reason: CancelReason) => log.push(`dropped ${job.id} ${reason}`),
  });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { queue, log, finishers, tick };
}

test('jobs run one at a time in order, with positions reported as they move up', async () => {
  const { queue, log, finishers, tick } = harness(5);
  assert.deepEqual(queue.enqueue({ id: 'a', ownerId: 'x' }), { ok: true, position: 0 });
  assert.deepEqual(queue.enqueue({ id: 'b', ownerId: 'y' }), { ok: true, position: 1 });
  assert.deepEqual(queue.enqueue({ id: 'c', ownerId: 'x' }), { ok: true, position: 2 });
  await tick();
  assert.deepEqual(log, ['start a']);
  finishers.get('a')!();
  await tick();
  finishers.get('b')!();
  await tick();
  finishers.get('c')!();
  await tick();
  assert.deepEqual(log, [
    'start a',
    'end a',
    'start b',
    'position b 0',
    'position c 1',
    'end b',
    'start c',
    'position c 0',
    'end c',
  ]);
  assert.equal(queue.running, null);
});

test('a full queue answers busy; the running job does not count as waiting', async () => {
  const { queue, tick } = harness(1);
  assert.equal(queue.enqueue({ id: 'a', ownerId: 'x' }).ok, true);
  assert.equal(queue.enqueue({ id: 'b', ownerId: 'x' }).ok, true);
  assert.deepEqual(queue.enqueue({ id: 'c', ownerId: 'x' }), { ok: false, reason: 'busy' });
  await tick();
  assert.equal(queue.running?.id, 'a');
  assert.deepEqual(queue.enqueue({ id: 'd', ownerId: 'x' }), { ok: false, reason: 'busy' });
});

test('cancel removes a waiting job or aborts the running one, only for its owner', async () => {
  const { queue, log, tick } = harness(5);
  queue.enqueue({ id: 'a', ownerId: 'x' });
  queue.enqueue({ id: 'b', ownerId: 'y' });
  queue.enqueue({ id: 'c', ownerId: 'x' });
  await tick();
  assert.equal(queue.cancel('b', 'x'), false, 'x does not own b');
  assert.equal(queue.cancel('b', 'y'), true);
  assert.equal(queue.position('c'), 1);
  assert.equal(queue.cancel('a', 'x'), true);
  await tick();
  await tick();
  assert.equal(queue.running?.id, 'c');
  assert.deepEqual(log.slice(0, 4), ['start a', 'dropped b client', 'position c 1', 'abort a client']);
  assert.equal(queue.cancel('nope', 'x'), false);
});

test('cancelOwner drops every job of a vanished client and frees the device for others', async () => {
  const { queue, log, tick } = harness(5);
  queue.enqueue({ id: 'a', ownerId: 'gone' });
  queue.enqueue({ id: 'b', ownerId: 'gone' });
  queue.enqueue({ id: 'c', ownerId: 'stays' });
  await tick();
  assert.equal(queue.cancelOwner('gone', 'disconnect'), 2);
  await tick();
  await tick();
  assert.equal(queue.running?.id, 'c');
  assert.ok(log.includes('dropped b disconnect'));
  assert.ok(log.includes('abort a disconnect'));
  assert.ok(!log.includes('start b'));
});

test('closeAsync cancels waiting jobs, aborts the running one, waits for it and refuses new ones', async () => {
  const { queue, log, tick } = harness(5);
  queue.enqueue({ id: 'a', ownerId: 'x' });
  queue.enqueue({ id: 'b', ownerId: 'y' });
  await tick();
  await queue.closeAsync();
  assert.deepEqual(log, ['start a', 'dropped b shutdown', 'abort a shutdown']);
  assert.deepEqual(queue.enqueue({ id: 'c', ownerId: 'x' }), { ok: false, reason: 'closed' });
  assert.equal(queue.running, null);
});

test('a runner that throws does not stall the queue', async () => {
  const failures: string[] = [];
  const ran: string[] = [];
  const queue = new JobQueue<J>({
    maxQueued: 5,
    run: async (job) => {
      ran.push(job.id);
      if (job.id === 'bad') throw new Error('boom');
    },
    onRunFailed: (job, error) => failures.push(`${job.id}: ${(error as Error).message}`),
  });
  queue.enqueue({ id: 'bad', ownerId: 'x' });
  queue.enqueue({ id: 'good', ownerId: 'x' });
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ran, ['bad', 'good']);
  assert.deepEqual(failures, ['bad: boom']);
});
