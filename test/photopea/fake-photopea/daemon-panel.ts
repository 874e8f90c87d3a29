/**
 * The browser tests' one copy of "the panel in use with the app on this computer": the fake
 * Photopea served as www.photopea.com is (site.ts: https, a public address, Local Network
 * Access granted as the designer's Allow), framing the REAL built panel served by a real daemon
 * on `engine` at http://localhost:<port>/photopea/, the fake's origin standing in for Photopea's
 * in the daemon's frame-ancestors. Also the page's test knobs (page.ts `window.fakePhotopea`).
 */
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import type { Engine } from '../../../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../../daemon/server/index.ts';
import { CHROMIUM_PATH, type PublicOrigin } from '../../support/public-origin.ts';
import type { LayerInfo } from './poster.ts';
import { serveFakePhotopeaAsync } from './site.ts';

/**
 * This Chromium blocks third-party storage by default (third-party cookie phase-out); the
 * flag restores what Chrome does for most designers: the panel's storage (IndexedDB,
 * localStorage), partitioned under the Photopea site, which keeps its pairing key. (With storage
 * blocked the panel still works and asks for a code each time it loads: photopea/README.md.)
 */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-features=ThirdPartyCookieDeprecationTrial,TrackingProtection3pcd,TpcdSupportSettings'];

/** A layer's pixels as page.ts hands them out. */
export interface LayerPixels {
  x: number;
  y: number;
  width: number;
  height: number;
  data: number[];
}

interface FakePhotopeaWindow {
  fakePhotopea: {
    layers(): LayerInfo[];
    documents(): string[];
    crashes(): string[];
    messages(): number;
    selectLayer(name: string): void;
    failNextExport(): void;
    reloadPlugin(): void;
    select(left: number, top: number, right: number, bottom: number): void;
    selection(): number[] | null;
    setVisible(name: string, visible: boolean): void;
    pixels(name: string): LayerPixels | null;
  };
}

/** The fake Photopea's knobs and readings, from the test's side of the page. */
export function fakePhotopeaOf(page: Page) {
  return {
    layers: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.layers()),
    documents: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.documents()),
    crashes: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.crashes()),
    messages: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.messages()),
    failNextExport: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.failNextExport()),
    reloadPlugin: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.reloadPlugin()),
    selectLayer: (name: string) => page.evaluate((n) => (window as unknown as FakePhotopeaWindow).fakePhotopea.selectLayer(n), name),
    /** The designer's Marquee over [left, right) × [top, bottom) of the poster. */
    select: (box: [number, number, number, number]) => page.evaluate((b) => (window as unknown as FakePhotopeaWindow).fakePhotopea.select(b[0], b[1], b[2], b[3]), box),
    selection: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.selection()),
    pixels: (name: string) => page.evaluate((n) => (window as unknown as FakePhotopeaWindow).fakePhotopea.pixels(n), name),
    setVisible: (name: string, visible: boolean) => page.evaluate(([n, v]) => (window as unknown as FakePhotopeaWindow).fakePhotopea.setVisible(n as string, v as boolean), [name, visible] as const),
  };
}

export interface DaemonPanel {
  site: PublicOrigin;
  daemon: DaemonServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  pluginUrl: string;
  /** The panel's frame. */
  panel: FrameLocator;
  photopea: ReturnType<typeof fakePhotopeaOf>;
  /** Uncaught errors and console errors of the page and its frames. */
  consoleErrors: string[];
  /** Closes the browser, the daemon and the site (the engine stays the caller's). */
  closeAsync(): Promise<void>;
}

/** Starts the daemon on `engine`, serves the fake Photopea, and opens it framing the panel. */
export async function openDaemonPanelAsync(work: string, engine: Engine, viewport = { width: 1100, height: 640 }): Promise<DaemonPanel> {
  const served = await serveFakePhotopeaAsync(work);
  const site = served.site;
  let daemon: DaemonServer | undefined;
  let browser: Browser | undefined;
  const closeAsync = async () => {
    await browser?.close();
    await daemon?.close();
    await site.closeAsync();
  };
  try {
    daemon = await startDaemonServerAsync({
      port: 0,
      configDir: join(work, 'config'),
      engine,
      logger: createMemoryLogger(),
      photopeaPageFile: served.panelPage,
      photopeaFrameAncestors: [site.origin],
    });
    const pluginUrl = `http://localhost:${daemon.port}/photopea/`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...site.chromiumArgs] });
    const context = await browser.newContext({ viewport });
    // The designer's Allow to "www.photopea.com wants to access apps on this device".
    await site.grantAsync(context);
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    return { site, daemon, browser, context, page, pluginUrl, panel: page.frameLocator('#plugin'), photopea: fakePhotopeaOf(page), consoleErrors, closeAsync };
  } catch (error) {
    await closeAsync();
    throw error;
  }
}
