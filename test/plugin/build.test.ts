import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPluginAsync } from '../../plugin/index.ts';

test('the build writes a DOM-free main bundle and one self-contained UI file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-build-'));
  try {
    const out = await buildPluginAsync({ outDir: dir });
    const code = await readFile(out.code, 'utf8');
    const html = await readFile(out.ui, 'utf8');
    // Figma's sandbox has no DOM and no module loader.
    for (const forbidden of [/\bdocument\./, /\bwindow\./, /new WebSocket/, /\brequire\(/, /^import /m]) {
      assert.doesNotMatch(code, forbidden);
    }
    assert.match(code, /figma/);
    // No crypto in the main code: the UI iframe pairs and proves the key; main only stores it.
    for (const crypto of [/ristretto/i, /hkdf/i, /SPAKE2/, /ConfirmationKeys/]) assert.doesNotMatch(code, crypto);
    assert.match(html, /ConfirmationKeys/, 'the UI carries the pairing crypto');
    // One inline script, nothing loaded from elsewhere (Figma loads the UI as one HTML string).
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.equal(html.match(/<\/script>/g)?.length, 1);
    assert.doesNotMatch(html, /<script[^>]+src=/);
    assert.doesNotMatch(html, /ATELIER_UI_SCRIPT/);
    assert.match(html, /new WebSocket/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the build fails on a main bundle Figma\'s sandbox would refuse at load ("import(" or an HTML comment marker, even in a string)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-build-'));
  try {
    const cases = [
      { text: 'Reads the Figma import (2026) notes', refused: /import\(/ },
      { text: 'old <!-- markup', refused: /<!--/ },
      { text: 'arrow --> there', refused: /-->/ },
    ];
    for (const { text, refused } of cases) {
      const entry = join(dir, 'entry.ts');
      await writeFile(entry, `figma.notify(${JSON.stringify(text)});\n`);
      await assert.rejects(buildPluginAsync({ outDir: join(dir, 'out'), mainEntry: entry }), (error: Error) => {
        assert.match(error.message, refused);
        assert.match(error.message, /sandbox refuses/);
        return true;
      });
    }
    const clean = join(dir, 'clean.ts');
    await writeFile(clean, 'figma.notify("imports (plural) are fine");\n');
    await buildPluginAsync({ outDir: join(dir, 'out'), mainEntry: clean });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
