import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { UpgradeQueue, type WaitingUpgrade } from '../../daemon/server/upgrade-queue.ts';

/** An upgrade that is admitted when `room()` says so; what happened to it is logged in `events`. */
function upgrade(name: string, room: () => boolean, events: string[]): WaitingUpgrade & { socket: EventEmitter } {
  const socket = new EventEmitter();
  return {
    socket: socket as EventEmitter & Duplex,
    tryAdmit: () => {
      if (!room()) return false;
      events.push(`${name} admitted`);
      return true;
    },
    refuse: (reason) => events.push(`${name} refused: ${reason}`),
  };
}

test('waiting upgrades are admitted first come first served, never one behind the head first', async () => {
  const events: string[] = [];
  let slots = 0;
  // Only the head may take a slot: `b` fits no better than `a`, it just came later.
  const room = () => (slots > 0 ? (slots--, true) : false);
  const queue = new UpgradeQueue({ maxWaiting: 8, waitMs: 10_000, retryMs: 5 });
  for (const name of ['a', 'b', 'c']) queue.add(upgrade(name, room, events));
  assert.equal(queue.length, 3);
  slots = 2;
  queue.drain();
  assert.deepEqual(events, ['a admitted', 'b admitted']);
  // A slot that frees on the clock (a turn ends) is found by the retry, without a drain.
  slots = 1;
  while (queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(events, ['a admitted', 'b admitted', 'c admitted']);
});

test('a full line refuses at once, a wait that runs out is refused, a client that leaves is dropped, and closing refuses the rest', async () => {
  const events: string[] = [];
  const none = () => false;
  const queue = new UpgradeQueue({ maxWaiting: 2, waitMs: 50, retryMs: 5 });
  const a = upgrade('a', none, events);
  queue.add(a);
  queue.add(upgrade('b', none, events));
  queue.add(upgrade('c', none, events));
  assert.deepEqual(events, ['c refused: too-many-unpaired']);
  a.socket.emit('close');
  assert.equal(queue.length, 1, 'a gave up and left the line');
  while (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(events, ['c refused: too-many-unpaired', 'b refused: too-many-unpaired']);
  assert.equal(queue.length, 0);
  queue.add(upgrade('d', none, events));
  queue.refuseAll();
  assert.equal(events.at(-1), 'd refused: shutting-down');
  assert.equal(queue.length, 0);
});
