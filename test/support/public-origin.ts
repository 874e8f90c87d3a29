import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import { staticFiles, type StaticFiles } from './static-files.ts';

/**
 * A stand-in for a public site (www.figma.com, www.photopea.com) on this machine, for the
 * browser tests: an https server on 127.0.0.1 that Chromium is told to treat as a PUBLIC
 * address, so Local Network Access applies to it as it does to the real sites.
 *
 * Why each part (measured with Debian's Chromium 150 and 156; test/plugin/browser-lna.test.ts
 * and test/photopea/photopea-lna.test.ts show it):
 * - 127.0.0.1 is loopback, and a loopback page reaching loopback is never checked: the switch
 *   `--ip-address-space-overrides=127.0.0.1:PORT=public` makes this one port public;
 * - the permission needs a secure context, so the page is served over https (a self-signed
 *   certificate made with openssl; the browser is launched with --ignore-certificate-errors);
 * - headless Chromium shows no prompt: without a grant every request from the page (and from
 *   frames inside it, srcdoc or not) to 127.0.0.1/localhost is refused with
 *   net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS, which is what Chrome does after the
 *   designer answers Block. `grantAsync` is the designer's Allow
 *   (Playwright's `context.grantPermissions(['local-network-access'], { origin })`).
 *
 * Use:
 *   const site = await servePublicOriginAsync({ '/': { type: 'text/html', body } });
 *   const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...yourArgs, ...site.chromiumArgs] });
 *   const context = await browser.newContext();
 *   await site.grantAsync(context);        // or site.denyAsync(context)
 *   const page = await context.newPage(); await page.goto(site.origin + '/');
 *   ...; await site.closeAsync();
 * Several stand-ins in one browser: `publicOriginArgs([a, b])` (Chromium reads one such switch).
 */

/** Chromium for the browser tests (CHROMIUM_PATH overrides; .ci/run installs Debian's chromium). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Playwright's name for Chrome's "Local network access" / "Apps on device" site permission. */
export const LOCAL_NETWORK_ACCESS = 'local-network-access';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `skip` for node:test when a public stand-in cannot be made here. */
export const skipWithoutPublicOrigin: string | false = !existsSync(CHROMIUM_PATH)
  ? `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`
  : !hasOpenssl
    ? 'no openssl for the test certificate'
    : false;

export interface PublicOrigin {
  /** `https://127.0.0.1:PORT`, no trailing slash: what `location.origin` says in the page. */
  readonly origin: string;
  readonly port: number;
  /** Switches for chromium.launch: this origin public, its self-signed certificate accepted. */
  readonly chromiumArgs: readonly string[];
  /** The designer's Allow: the page and the frames in it may reach this device. */
  grantAsync(context: BrowserContext): Promise<void>;
  /** The designer's Block (or no answer yet): no grant, so every local request is refused. */
  denyAsync(context: BrowserContext): Promise<void>;
  closeAsync(): Promise<void>;
}

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

let certificate: Promise<{ key: Buffer; cert: Buffer }> | undefined;

/** One self-signed certificate per test process, for 127.0.0.1 and localhost. */
function certificateAsync(): Promise<{ key: Buffer; cert: Buffer }> {
  certificate ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atelier-cert-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    return { key: await readFile(key), cert: await readFile(cert) };
  })();
  return certificate;
}

/** Serves `files` (exact paths, as staticFiles) or any request listener over https on a free port of 127.0.0.1, declared public. */
export async function servePublicOriginAsync(files: StaticFiles | Listener): Promise<PublicOrigin> {
  const server: Server = createServer(await certificateAsync(), typeof files === 'function' ? files : staticFiles(files));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://127.0.0.1:${port}`;
  const self: PublicOrigin = {
    origin,
    port,
    chromiumArgs: publicOriginArgs([{ port }]),
    grantAsync: (context) => context.grantPermissions([LOCAL_NETWORK_ACCESS], { origin }),
    denyAsync: (context) => context.clearPermissions(),
    closeAsync: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return self;
}

/** The switches for one browser that hosts several public stand-ins. */
export function publicOriginArgs(origins: readonly Pick<PublicOrigin, 'port'>[]): string[] {
  const overrides = origins.map((o) => `127.0.0.1:${o.port}=public`).join(',');
  return [`--ip-address-space-overrides=${overrides}`, '--ignore-certificate-errors'];
}
