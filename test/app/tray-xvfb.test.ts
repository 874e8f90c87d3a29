import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS = ['Xvfb', 'trayer', 'xdotool', 'xwininfo', 'import', 'dbus-launch'];
const missing = process.platform !== 'linux' ? ['Linux'] : TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

test(
  'under Xvfb the tray helper shows its icon in a tray host and opens its menu',
  { skip: missing.length > 0 ? `needs ${missing.join(', ')} (see scripts/xvfb-tray-screenshot.sh)` : false },
  async () => {
    const out = await mkdtemp(join(tmpdir(), 'atelier-tray-'));
    try {
      const child = spawn('bash', [join(ROOT, 'scripts', 'xvfb-tray-screenshot.sh'), out], { cwd: ROOT });
      let log = '';
      child.stdout.on('data', (c: Buffer) => (log += String(c)));
      child.stderr.on('data', (c: Buffer) => (log += String(c)));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, log);
      assert.match(log, /Tray icon shown/);
      for (const png of ['tray-icon.png', 'tray-menu.png']) assert.ok((await stat(join(out, png))).size > 0, png);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);
