/**
 * Re-measures CAFFE_FEATURE_SCALE (daemon/engine/presets.ts): d2l's weighted style term at the
 * start of a run (content image as the variable, style weight 1e3) with the Caffe weights, at
 * 64×96 on tubingen × starry_night. d2l's run with torchvision weights starts near 1 there, so
 * k⁴ ≈ the printed value and k = its fourth root.
 *
 *   node --import tsx scripts/measure-feature-scale.ts [weightsDir]
 */
import { createEngineAsync } from '../daemon/engine/index.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';

const weightsDir = process.argv[2] ?? '../shared/vgg19-keras-uint8';
const engine = await createEngineAsync({ weightsDir, engine: 'tfjs' });
const [h, w] = [64, 96];
const content = await resizeRgbAsync((await readImageAsync('../shared/images/content/tubingen.jpg')).rgb, w, h);
const style = await resizeRgbAsync((await readImageAsync('../shared/images/style/starry_night.jpg')).rgb, w, h);
for await (const ev of engine.stylize({
  content,
  styles: [{ image: style, weight: 1 }],
  options: { preset: 'reference', height: h, width: w, stages: 1, iterations: 1, contentWeight: 1, styleWeight: 1e3, tvWeight: 10 },
})) {
  if (ev.type === 'progress') {
    const k = Math.pow(ev.losses.style, 1 / 4);
    console.log(JSON.stringify({ size: `${h}x${w}`, weightedStyleAtStart: ev.losses.style, tvAtStart: ev.losses.tv, k: Number(k.toFixed(1)) }));
  }
}
engine.dispose();
