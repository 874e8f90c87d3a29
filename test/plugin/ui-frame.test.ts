/**
 * The built plugin window (dist/ui.html) in headless Chromium, in a sandboxed srcdoc iframe
 * (origin "null", as in Figma), with this page playing the main code through postMessage.
 * Skipped where /usr/bin/chromium is absent. Two promises of issue 28:
 *  - item 5: the style list starts with the current page; other pages are searched only when
 *    the designer asks ("Show images from N other pages");
 *  - item 13: only the parent frame speaks for the main code; another frame that can post
 *    into the plugin window is ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { buildPluginAsync } from '../../plugin/index.ts';
import { DEFAULT_JOB_OPTIONS, type MainToUi } from '../../plugin/bridge/index.ts';
import { DAEMON_URL } from '../../plugin/limits.ts';
import { CHROMIUM_PATH } from '../support/public-origin.ts';

const skip = existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH}`;

interface FrameHost {
  /** pluginMessages the UI posted to its parent, in order. */
  received: { type: string; allPages?: boolean }[];
  toUi(message: MainToUi): void;
  /** Posts from a sibling frame, which holds a reference to the plugin window but is not its parent. */
  fromSibling(message: MainToUi): void;
  /** How many messages the sibling has passed on to the plugin window. */
  relayed: number;
}

const layer = (id: string, name: string, pageName: string) => ({ id, name, pageName, width: 100, height: 80, thumbnail: null });

/** The built UI in its iframe, with a sibling frame, this page as its parent (the main code). */
async function openUiAsync(browser: Browser, html: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setContent('<iframe id="plugin" sandbox="allow-scripts" style="width:320px;height:620px"></iframe><iframe id="sibling" sandbox="allow-scripts"></iframe>');
  // Plain script text: tsx would add helpers to a function passed to page.evaluate.
  await page.addScriptTag({
    content: `
      const plugin = document.getElementById('plugin');
      const sibling = document.getElementById('sibling');
      window.host = {
        received: [],
        relayed: 0,
        toUi(message) { plugin.contentWindow.postMessage({ pluginMessage: message }, '*'); },
        fromSibling(message) { sibling.contentWindow.postMessage({ relay: message }, '*'); },
      };
      addEventListener('message', (event) => {
        if (event.source === plugin.contentWindow) host.received.push(event.data.pluginMessage);
        if (event.source === sibling.contentWindow && event.data === 'relayed') host.relayed++;
      });
      // The sibling passes what it is given on to the plugin window (parent.frames[0]), then says so.
      sibling.srcdoc = '<script>addEventListener("message", (e) => { parent.frames[0].postMessage({ pluginMessage: e.data.relay }, "*"); parent.postMessage("relayed", "*"); });<' + '/script>';
    `,
  });
  await page.evaluate((ui) => { (document.getElementById('plugin') as HTMLIFrameElement).srcdoc = ui; }, html);
  const received = () => page.evaluate(() => (window as unknown as { host: FrameHost }).host.received.map((m) => ({ ...m })));
  const toUi = (message: MainToUi) => page.evaluate((m) => (window as unknown as { host: FrameHost }).host.toUi(m), message);
  await page.waitForFunction(() => (window as unknown as { host: FrameHost }).host.received.some((m) => m.type === 'ui-ready'));
  await toUi({ type: 'init', command: 'apply', options: DEFAULT_JOB_OPTIONS, style: null, key: null, daemonUrl: DAEMON_URL, teamServer: null, autoStart: false, document: '' });
  return { page, ui: page.frameLocator('#plugin'), errors, received, toUi };
}

async function withUiAsync(run: (browser: Browser, html: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-ui-frame-'));
  let browser: Browser | undefined;
  try {
    const html = await readFile((await buildPluginAsync({ outDir: dir })).ui, 'utf8');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    await run(browser, html);
  } finally {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('the style list: the current page at first, other pages searched when the designer asks', { skip, timeout: 120_000 }, () =>
  withUiAsync(async (browser, html) => {
    const { page, ui, errors, received, toUi } = await openUiAsync(browser, html);
    await toUi({ type: 'style-layers', layers: [layer('1:2', 'Here', 'Page 1')], allPages: false, otherPages: 2 });
    const more = ui.locator('#style-more');
    await more.waitFor({ state: 'visible' });
    assert.equal(await more.textContent(), 'Show images from 2 other pages');
    assert.equal(await ui.locator('#style-grid button').count(), 1);
    assert.equal((await received()).some((m) => m.type === 'refresh-styles'), false, 'nothing searched the other pages yet');

    await more.click();
    await page.waitForFunction(() => (window as unknown as { host: FrameHost }).host.received.some((m) => m.type === 'refresh-styles'));
    assert.deepEqual((await received()).filter((m) => m.type === 'refresh-styles'), [{ type: 'refresh-styles', allPages: true }]);
    assert.equal(await more.isDisabled(), true, 'one search at a time');
    await toUi({ type: 'style-layers', layers: [layer('1:2', 'Here', 'Page 1'), layer('2:2', 'There', 'Moodboard')], allPages: true, otherPages: 2 });
    await ui.locator('#style-grid button[title="There (Moodboard)"]').waitFor();
    assert.equal(await more.isHidden(), true);
    await ui.locator('#refresh-styles').click();
    await page.waitForFunction(() => (window as unknown as { host: FrameHost }).host.received.filter((m) => m.type === 'refresh-styles').length === 2);
    assert.equal((await received()).filter((m) => m.type === 'refresh-styles')[1]!.allPages, true, 'Refresh keeps the list the designer asked for');
    assert.deepEqual(errors, []);
  }),
);

test('only the parent frame speaks for the main code: a message from another frame is ignored', { skip, timeout: 120_000 }, () =>
  withUiAsync(async (browser, html) => {
    const { page, ui, errors, toUi } = await openUiAsync(browser, html);
    await toUi({ type: 'style-layers', layers: [layer('1:2', 'Here', 'Page 1')], allPages: true, otherPages: 0 });
    await ui.locator('#style-grid button[title="Here (Page 1)"]').waitFor();
    // The parent's own message goes out only after the sibling has passed the forged one on.
    await page.evaluate((m) => (window as unknown as { host: FrameHost }).host.fromSibling(m), { type: 'style-layers', layers: [layer('9:9', 'Forged', 'Elsewhere')], allPages: true, otherPages: 0 } satisfies MainToUi);
    await page.waitForFunction(() => (window as unknown as { host: FrameHost }).host.relayed === 1);
    await toUi({ type: 'problem', code: 'no-style', message: 'Pick a style first.' });
    await ui.locator('#problem-text', { hasText: 'Pick a style first.' }).waitFor();
    assert.deepEqual(await ui.locator('#style-grid button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('title'))), ['Here (Page 1)'], 'the forged list never showed');
    assert.deepEqual(errors, []);
  }),
);
