import h5wasm from 'h5wasm/node';
import { VGG19_CONV_LAYERS } from '../../daemon/engine/index.ts';

export interface FixtureWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export type KerasNaming = 'keras1' | 'keras2';

/**
 * Writes a small VGG-19 "notop" HDF5 file with the layout of the published Keras file:
 * root attribute `layer_names` (input, convolutions, pools), one group per layer with a
 * `weight_names` attribute, and float32 HWIO kernels and biases. `keras1` names the datasets as
 * the published file does (`block1_conv1_W_1:0` directly in the group); `keras2` as
 * `save_weights` in Keras 2 does (`block1_conv1/kernel:0` in a subgroup).
 * Returns the weights written, named as the engine names them, for comparison.
 */
export async function writeKerasVgg19H5Async(
  file: string,
  options: { seed?: number; channels?: number[]; naming?: KerasNaming } = {},
): Promise<FixtureWeight[]> {
  await h5wasm.ready;
  const channels = options.channels ?? [4, 4, 6, 6, 6];
  const naming = options.naming ?? 'keras1';
  let state = (options.seed ?? 7) >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };

  const h5 = new h5wasm.File(file, 'w');
  const layerNames = ['input_1'];
  const written: FixtureWeight[] = [];
  try {
    let cin = 3;
    for (const layer of VGG19_CONV_LAYERS) {
      const cout = channels[layer.block - 1];
      const kernel = Float32Array.from({ length: 9 * cin * cout }, () => next() * 0.2);
      const bias = Float32Array.from({ length: cout }, () => next() * 0.01);
      const name = layer.kerasName;
      const group = h5.create_group(name);
      const [kernelName, biasName] =
        naming === 'keras1' ? [`${name}_W_1:0`, `${name}_b_1:0`] : [`${name}/kernel:0`, `${name}/bias:0`];
      const holder = naming === 'keras1' ? group : group.create_group(name);
      holder.create_dataset({ name: kernelName.split('/').pop() as string, data: kernel, shape: [3, 3, cin, cout], dtype: '<f' });
      holder.create_dataset({ name: biasName.split('/').pop() as string, data: bias, shape: [cout], dtype: '<f' });
      const width = Math.max(kernelName.length, biasName.length);
      group.create_attribute('weight_names', [kernelName, biasName], null, `S${width}`);
      written.push({ name: `${name}/kernel`, shape: [3, 3, cin, cout], data: kernel });
      written.push({ name: `${name}/bias`, shape: [cout], data: bias });
      layerNames.push(name);
      if (layer.poolAfter) {
        const pool = `block${layer.block}_pool`;
        h5.create_group(pool).create_attribute('weight_names', [], null, 'S1');
        layerNames.push(pool);
      }
      cin = cout;
    }
    h5.create_attribute('layer_names', layerNames, null, `S${Math.max(...layerNames.map((n) => n.length))}`);
    h5.create_attribute('backend', 'tensorflow');
    h5.create_attribute('keras_version', naming === 'keras1' ? '1.1.0' : '2.2.4');
  } finally {
    h5.close();
  }
  return written;
}
