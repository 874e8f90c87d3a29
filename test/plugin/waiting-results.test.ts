/**
 * Issue 32 in Figma: a job goes on in the daemon when the plugin window closes, and the next
 * window in that file follows it again or inserts its result, exactly once, above its source.
 * The real plugin main code on the strict fake Figma, the real daemon client over a socket, the
 * shared waiting-jobs logic the window runs (client/waiting-jobs.ts), and the real daemon on
 * small generated weights. The window's own relay (ui-app.ts) is played by `openPanelAsync`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DaemonClient, hostKeyStore, type ConnectionState, type JobMessage, type StoredKey } from '../../client/index.ts';
import { buildStylizeRequest } from '../../client/style-request.ts';
import { WaitingJobs } from '../../client/waiting-jobs.ts';
import type { Engine } from '../../daemon/engine/index.ts';
import { DEFAULT_JOB_OPTIONS, type JobOptions, type MainToUi } from '../../plugin/bridge/index.ts';
import { PLUGIN_DATA_KEYS } from '../../plugin/limits.ts';
import type { WelcomeMessage } from '../../protocol/index.ts';
import { openWsSocket } from '../client/ws-socket.ts';
import { createTestEngineAsync, pairedClientAsync, startTestDaemonAsync, type TestDaemon } from '../server/test-daemon.ts';
import { startPluginAsync, type PluginDriver } from './drive-plugin.ts';
import { FakeFigma, type FakeSceneNode } from './fake-figma/index.ts';

let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;
let key: StoredKey;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine, { maxQueuedJobsPerClient: 8 });
  const paired = await pairedClientAsync(daemon.server);
  key = paired.key;
  paired.client.close();
});
/** Every window opened, closed after the tests whatever happened (a failed test must not hang the run). */
const opened: Panel[] = [];
after(async () => {
  for (const panel of opened) panel.close();
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

const options = (iterations: number): JobOptions => ({ ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 64, iterations });

/** A file: a board with "Hero" to stylise and a style image. */
function file(): { figma: FakeFigma; source: FakeSceneNode; style: FakeSceneNode } {
  const figma = new FakeFigma();
  const board = figma.frame({ name: 'Board', width: 800, height: 600 });
  figma.currentPage.appendChild(board);
  const source = figma.frame({ name: 'Hero', x: 40, y: 30, width: 300, height: 200 });
  board.appendChild(source);
  const style = figma.imageLayer({ name: 'Starry Night', x: 900, width: 400, height: 300 });
  figma.currentPage.appendChild(style);
  figma.select(source);
  return { figma, source, style };
}

const results = (figma: FakeFigma): FakeSceneNode[] =>
  [...figma.currentPage.children].flatMap((n) => [n, ...((n as FakeSceneNode).childList ?? [])]).filter((n) => (n as FakeSceneNode).getPluginData(PLUGIN_DATA_KEYS.source) !== '') as FakeSceneNode[];

interface Panel {
  ui: PluginDriver;
  client: DaemonClient;
  waiting: WaitingJobs;
  /** Daemon messages about the window's own batch job. */
  own: JobMessage[];
  waitAsync(what: string, predicate: () => boolean): Promise<void>;
  close(): void;
}

/** Opens the plugin in `figma` (command as Figma passes it) and connects, as ui-app.ts does. */
async function openPanelAsync(figma: FakeFigma, command = 'apply'): Promise<Panel> {
  const ui = await startPluginAsync(figma, command);
  const init = await ui.next('init');
  let state: ConnectionState = { kind: 'connecting', reconnecting: false };
  let welcome: WelcomeMessage | null = null;
  let ownJob: { main: string; daemon: string | null } | null = null;
  const own: JobMessage[] = [];
  let wake = (): void => undefined;
  const waiting: WaitingJobs = new WaitingJobs({
    client: () => client,
    place: (job, orphan) => ui.send({ type: 'place-result', jobId: job.jobId, data: job.data, png: job.pngs[0]!, orphan }),
    dismiss: (job) => ui.send({ type: 'dismiss-result', data: job.data }),
    changed: () => wake(),
  });
  waiting.document = init.document;
  const client: DaemonClient = new DaemonClient({
    url: daemon.server.url,
    keyStore: hostKeyStore(key, () => undefined),
    clientVersion: '0.1.0',
    createSocket: (target) => openWsSocket(target, { origin: 'null' }),
    onState: (next) => {
      if (next.kind === 'ready' && state.kind !== 'ready') {
        welcome = next.welcome;
        waiting.refresh();
      }
      state = next;
      wake();
    },
    onJobMessage: (message, images) => {
      if (message.type === 'jobs') waiting.takeList(message, (id) => id === ownJob?.daemon);
      else if (!waiting.take(message, images)) {
        own.push(message);
        if (message.type === 'accepted' && ownJob) ownJob.daemon = message.jobId;
        if (message.type === 'result' && ownJob) ui.send({ type: 'job-result', jobId: ownJob.main, png: images.get('result')!.slice() });
      }
      wake();
    },
    onConnectionLost: () => undefined,
  });
  // The main code's messages the window acts on.
  const seen = new Set<unknown>();
  const relay = setInterval(() => {
    for (const raw of figma.ui.posted) {
      if (seen.has(raw)) continue;
      seen.add(raw);
      const message = raw as MainToUi;
      if (message.type === 'job') {
        ownJob = { main: message.jobId, daemon: null };
        waiting.document ||= message.placement.document;
        const request = buildStylizeRequest(message, welcome);
        client.stylize(request.message, request.images);
      } else if (message.type === 'job-inserted' && ownJob?.daemon) client.placed(ownJob.daemon);
      else if (message.type === 'result-placed') waiting.placed(message.jobId);
      else if (message.type === 'result-orphaned') waiting.orphaned(message.jobId);
      else if (message.type === 'result-not-placed') waiting.notPlaced(message.jobId, message.message);
      wake();
    }
  }, 5);
  for (const raw of figma.ui.posted) seen.add(raw);
  client.start();
  let closed = false;
  const panel: Panel = {
    ui,
    client,
    waiting,
    own,
    async waitAsync(what, predicate) {
      const deadline = Date.now() + 60_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the window got ${figma.ui.posted.map((m) => (m as { type: string }).type).join(', ')}; the daemon sent ${own.map((m) => m.type).join(', ')}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(relay);
      client.stop();
      figma.closePlugin();
    },
  };
  opened.push(panel);
  await panel.waitAsync('a ready connection', () => state.kind === 'ready');
  return panel;
}

async function applyAsync(panel: Panel, style: FakeSceneNode, iterations: number): Promise<void> {
  panel.ui.send({ type: 'start', styleNodeId: style.id, options: options(iterations) });
  await panel.waitAsync('the job accepted', () => panel.own.some((m) => m.type === 'accepted'));
}

async function daemonJobsAsync(document: string): Promise<number> {
  const { client } = await pairedClientAsync(daemon.server);
  client.send({ type: 'list-jobs', document });
  const count = (await client.waitForAsync('jobs')).message.jobs.length;
  client.close();
  return count;
}

test('close the window mid-job, reopen: its progress shows again, the result is inserted once above its source, the relaunch button comes and goes', async () => {
  const { figma, source, style } = file();
  const first = await openPanelAsync(figma);
  await applyAsync(first, style, 400);
  await first.waitAsync('progress', () => first.own.some((m) => m.type === 'progress'));
  assert.deepEqual(Object.keys(source.relaunchData), ['insert-result'], 'the source says a result will wait');
  first.close();

  const reopened = await openPanelAsync(figma, 'insert-result');
  await reopened.waitAsync('the running job listed', () => reopened.waiting.list.some((j) => j.state === 'running' && /step \d+ of \d+/.test(j.detail)));
  const job = reopened.waiting.list[0]!;
  assert.equal(job.label, 'Hero · Starry Night');
  const before = job.fraction;
  await reopened.waitAsync('more progress', () => (reopened.waiting.list[0]?.fraction ?? 1) > before || reopened.waiting.list.length === 0);
  await reopened.waitAsync('the result placed', () => reopened.waiting.placedNames.length === 1);
  const inserted = results(figma);
  assert.equal(inserted.length, 1, 'exactly one result');
  assert.equal(inserted[0]!.name, 'Hero · Starry Night');
  assert.equal(inserted[0]!.parent, source.parent);
  assert.equal(source.parent!.childList.indexOf(inserted[0]!), source.parent!.childList.indexOf(source) + 1, 'directly above its source');
  assert.deepEqual(source.relaunchData, {}, 'the button goes once it is in');
  reopened.close();

  const document = figma.root.getPluginData('atelier.document');
  assert.equal(await daemonJobsAsync(document), 0, 'the daemon forgot it');
  const third = await openPanelAsync(figma);
  await third.waitAsync('the list', () => third.waiting.list.length === 0);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(results(figma).length, 1, 'a third window inserts nothing again');
  third.close();
});

test('close the window and let the job finish: the next window inserts it once', async () => {
  const { figma, style } = file();
  const first = await openPanelAsync(figma);
  await applyAsync(first, style, 20);
  const jobId = first.own.find((m) => m.type === 'accepted')!.jobId;
  first.close();
  while (!daemon.server.waitingResults().some((w) => w.jobId === jobId)) await new Promise((r) => setTimeout(r, 20));
  assert.equal(results(figma).length, 0, 'nothing was inserted while the window was closed');

  const reopened = await openPanelAsync(figma);
  await reopened.waitAsync('the result placed', () => reopened.waiting.placedNames.length === 1);
  assert.equal(results(figma).length, 1);
  assert.equal(reopened.waiting.placedSentence(), 'Inserted “Hero · Starry Night”, which finished while the panel was closed.');
  // `placed` went out with the insertion: the daemon forgets the result.
  while (daemon.server.waitingResults().some((w) => w.jobId === jobId)) await new Promise((r) => setTimeout(r, 20));
  reopened.close();
});

test('two files open: each window gets only its own file\'s results', async () => {
  const a = file();
  const b = file();
  b.source.name = 'Banner';
  const ids: string[] = [];
  for (const f of [a, b]) {
    const panel = await openPanelAsync(f.figma);
    await applyAsync(panel, f.style, 20);
    ids.push(panel.own.find((m) => m.type === 'accepted')!.jobId);
    panel.close();
  }
  while (!ids.every((id) => daemon.server.waitingResults().some((w) => w.jobId === id))) await new Promise((r) => setTimeout(r, 20));
  assert.notEqual(a.figma.root.getPluginData('atelier.document'), b.figma.root.getPluginData('atelier.document'));

  const panelA = await openPanelAsync(a.figma);
  const panelB = await openPanelAsync(b.figma);
  await panelA.waitAsync('A placed', () => panelA.waiting.placedNames.length === 1);
  await panelB.waitAsync('B placed', () => panelB.waiting.placedNames.length === 1);
  assert.deepEqual(panelA.waiting.placedNames, ['Hero · Starry Night']);
  assert.deepEqual(panelB.waiting.placedNames, ['Banner · Starry Night']);
  assert.deepEqual(results(a.figma).map((n) => n.name), ['Hero · Starry Night']);
  assert.deepEqual(results(b.figma).map((n) => n.name), ['Banner · Starry Night']);
  panelA.close();
  panelB.close();
});

test('a waiting result whose source was deleted is offered at its old place, and inserted there when the designer asks', async () => {
  const { figma, source, style } = file();
  const first = await openPanelAsync(figma);
  await applyAsync(first, style, 20);
  const jobId = first.own.find((m) => m.type === 'accepted')!.jobId;
  first.close();
  while (!daemon.server.waitingResults().some((w) => w.jobId === jobId)) await new Promise((r) => setTimeout(r, 20));
  const box = source.absoluteBoundingBox!;
  source.remove();

  const reopened = await openPanelAsync(figma);
  await reopened.waitAsync('the orphan offered', () => reopened.waiting.list.some((j) => j.state === 'orphaned'));
  assert.match(reopened.waiting.list[0]!.message!, /layer was deleted/);
  assert.equal(results(figma).length, 0, 'nothing inserted before the designer decides');
  reopened.waiting.insertOrphan(jobId);
  await reopened.waitAsync('placed', () => reopened.waiting.placedNames.length === 1);
  const [orphan] = results(figma);
  assert.equal(orphan!.parent, figma.currentPage, 'on the page, where the layer was');
  assert.deepEqual([orphan!.absoluteBoundingBox!.x, orphan!.absoluteBoundingBox!.y], [box.x, box.y]);
  while (daemon.server.waitingResults().some((w) => w.jobId === jobId)) await new Promise((r) => setTimeout(r, 20));
  reopened.close();
});
