import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import h5wasm from 'h5wasm/node';
import { readKerasVgg19H5Async, WeightsError } from '../../daemon/weights-download/index.ts';
import { writeKerasVgg19H5Async } from './keras-h5-fixture.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-h5-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

for (const naming of ['keras1', 'keras2'] as const) {
  test(`reads all 16 convolutions of a ${naming}-named notop file, HWIO, under the engine's names`, async () => {
    const file = join(root, `${naming}.h5`);
    const written = await writeKerasVgg19H5Async(file, { naming, seed: naming.length, channels: [2, 3, 4, 5, 6] });
    const read = await readKerasVgg19H5Async(file);
    assert.equal(read.length, 32);
    assert.deepEqual(
      read.map((w) => [w.name, w.shape]),
      written.map((w) => [w.name, w.shape]),
    );
    read.forEach((w, i) => assert.deepEqual(w.data, written[i].data, w.name));
    assert.deepEqual(read[0].shape, [3, 3, 3, 2]);
    assert.deepEqual(read.at(-1)?.shape, [6]);
  });
}

test('a file that is not HDF5 is refused with weights_file_invalid', async () => {
  const file = join(root, 'not.h5');
  await writeFile(file, '<html>captive portal</html>');
  await assert.rejects(readKerasVgg19H5Async(file), (e: unknown) => e instanceof WeightsError && e.code === 'weights_file_invalid');
});

test('a file missing a layer, or with channels that do not chain, is refused and names the layer', async () => {
  await h5wasm.ready;
  const missing = join(root, 'missing.h5');
  const partial = new h5wasm.File(missing, 'w');
  partial.create_group('block1_conv1');
  partial.close();
  await assert.rejects(
    readKerasVgg19H5Async(missing),
    (e: unknown) => e instanceof WeightsError && e.code === 'weights_file_invalid' && e.message.includes('block1_conv1'),
  );

  const bad = join(root, 'bad.h5');
  const edit = new h5wasm.File(bad, 'w');
  const layers: Array<[string, number, number]> = [
    ['block1_conv1', 3, 4],
    ['block1_conv2', 5, 4],
  ];
  for (const [name, cin, cout] of layers) {
    const group = edit.create_group(name);
    group.create_dataset({ name: `${name}_W_1:0`, data: new Float32Array(9 * cin * cout), shape: [3, 3, cin, cout], dtype: '<f' });
    group.create_dataset({ name: `${name}_b_1:0`, data: new Float32Array(cout), shape: [cout], dtype: '<f' });
  }
  edit.close();
  await assert.rejects(
    readKerasVgg19H5Async(bad),
    (e: unknown) => e instanceof WeightsError && e.code === 'weights_file_invalid' && e.message.includes('block1_conv2') && e.message.includes('[3, 3, 4, out]'),
  );
});
