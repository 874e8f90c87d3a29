import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trayMenuRows, trayTooltip, type TrayStatus } from '../../daemon/tray/index.ts';

const starting: TrayStatus = { line: 'Downloading weights 41%', engine: null, job: 'Idle', connections: 0, pairingCode: null, pairingNote: null, startAtLogin: false };
const ready: TrayStatus = { line: 'Ready', engine: 'tfjs cpu · CPU', job: 'Running a job, 2 waiting', connections: 1, pairingCode: '12345678', pairingNote: '4 min left, 2 wrong codes', startAtLogin: true };

test('the menu shows status, engine, job and queue, pairing code, and every action', () => {
  const rows = trayMenuRows(ready);
  const titles = rows.filter((r) => !r.separator && !r.hidden).map((r) => r.title);
  assert.deepEqual(titles, [
    'Atelier: Ready',
    'Engine: tfjs cpu · CPU',
    'Job: Running a job, 2 waiting',
    'Plugins connected: 1',
    'Pairing code: 1234 5678 (4 min left, 2 wrong codes)',
    'Keep pairing open longer',
    'Revoke paired plugins',
    'Open Photopea with Atelier',
    'Open log',
    'Start at login',
    'Quit Atelier',
  ]);
  assert.deepEqual(
    rows.filter((r) => r.action).map((r) => r.action),
    ['copy-pairing-code', 'open-pairing', 'revoke-clients', 'open-photopea', 'open-log', 'toggle-start-at-login', 'quit'],
  );
  assert.ok(rows.filter((r) => !r.action && !r.separator).every((r) => !r.enabled), 'status lines are not clickable');
  assert.equal(rows.find((r) => r.key === 'start-at-login')?.checked, true);
  assert.match(trayTooltip(ready), /1234 5678/);
});

test('while starting, pairing actions are disabled and rows keep their keys for in-place updates', () => {
  const a = trayMenuRows(starting);
  const b = trayMenuRows(ready);
  assert.deepEqual(a.map((r) => r.key), b.map((r) => r.key));
  const pairing = a.find((r) => r.key === 'pairing-code');
  assert.equal(pairing?.enabled, false);
  assert.equal(a.find((r) => r.key === 'revoke')?.enabled, false);
  assert.equal(a[0].title, 'Atelier: Downloading weights 41%');
  assert.equal(a.find((r) => r.key === 'start-at-login')?.checked, false);
});

test('results waiting for their window are listed (the newest in the tooltip), the rows keep their keys, more than fit end in "and N older"', () => {
  const none = trayMenuRows(ready);
  const one: TrayStatus = { ...ready, waiting: [{ label: 'Hero · Starry Night', editor: 'Figma' }] };
  const rows = trayMenuRows(one);
  assert.deepEqual(rows.map((r) => r.key), none.map((r) => r.key), 'same rows, titles change in place');
  assert.ok(none.filter((r) => r.key.startsWith('waiting')).every((r) => r.hidden), 'hidden while nothing waits');
  const shown = rows.filter((r) => r.key.startsWith('waiting') && !r.hidden).map((r) => r.title.trim());
  assert.deepEqual(shown, ['Waiting to be placed: 1', 'Hero · Starry Night is ready — open Atelier in Figma to place it']);
  assert.match(trayTooltip(one), /Hero · Starry Night is ready — open Atelier in Figma to place it$/);
  const many: TrayStatus = { ...ready, waiting: Array.from({ length: 7 }, (_, i) => ({ label: `Card ${i} · Waves`, editor: i % 2 ? 'Photopea' : 'Figma' })) };
  const listed = trayMenuRows(many).filter((r) => r.key.startsWith('waiting-') && !r.hidden).map((r) => r.title.trim());
  assert.equal(listed.length, 4);
  assert.equal(listed.at(-1), '… and 4 older');
  assert.match(listed[0]!, /^Card 4 · Waves is ready — open Atelier in Figma/);
  assert.match(trayTooltip(many), /Card 6 · Waves is ready — open Atelier in Figma/);
});
