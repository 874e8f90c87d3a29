import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAFFE_FEATURE_SCALE, resolveOptions } from '../../daemon/engine/presets.ts';
import { gramEnergy, REFERENCE_GRAM_ENERGY, STYLE_BALANCE_EXPONENT, styleBalanceFactor } from '../../daemon/engine/style-balance.ts';
import { TAP_NAMES } from '../../daemon/engine/vgg-layers.ts';

test('gram energy is the sum over layers of each Gram’s mean squared entry', () => {
  assert.equal(gramEnergy([Float32Array.of(1, 2, 2, 1), Float32Array.of(3)]), (1 + 4 + 4 + 1) / 4 + 9);
});

test('a style with k times the reference energy gets (1/k)^STYLE_BALANCE_EXPONENT of the style weight, in either convention', () => {
  const layers = ['relu1_1', 'relu4_1'];
  const reference = REFERENCE_GRAM_ENERGY.relu1_1 + REFERENCE_GRAM_ENERGY.relu4_1;
  assert.equal(styleBalanceFactor(layers, reference, 'caffe'), 1);
  // Starry Night's 7.5×: between its magnitude's 1/√7.5 and its energy's 1/7.5.
  const starry = styleBalanceFactor(layers, 7.5 * reference, 'caffe');
  assert.ok(Math.abs(starry - (1 / 7.5) ** STYLE_BALANCE_EXPONENT) < 1e-12);
  assert.ok(starry > 1 / 7.5 && starry < 1 / Math.sqrt(7.5), String(starry));
  // A flatter style than the reference is pulled harder.
  assert.ok(styleBalanceFactor(layers, reference / 2, 'caffe') > 1);
  // Torchvision features are CAFFE_FEATURE_SCALE times smaller, their Gram energies its fourth power.
  const torch = styleBalanceFactor(layers, reference / CAFFE_FEATURE_SCALE ** 4, 'torchvision');
  assert.ok(Math.abs(torch - 1) < 1e-9);
});

test('a style with no energy keeps its weight; every tap has a reference', () => {
  assert.equal(styleBalanceFactor(['relu1_1'], 0, 'caffe'), 1);
  for (const t of TAP_NAMES) assert.ok(REFERENCE_GRAM_ENERGY[t] > 0, t);
});

test('only the atelier preset normalises the style weight; the others keep absolute weights', () => {
  const size = { width: 512, height: 384 };
  assert.equal(resolveOptions({ preset: 'atelier' }, 'caffe', size).normalizeStyle, true);
  for (const preset of ['classic', 'painterly', 'reference']) assert.equal(resolveOptions({ preset }, 'caffe', size).normalizeStyle, false);
  assert.equal(resolveOptions({ preset: 'atelier', normalizeStyle: false }, 'caffe', size).normalizeStyle, false);
});
