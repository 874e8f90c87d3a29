import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRESETS, resolveOptions } from '../../daemon/engine/index.ts';
import { probeModel } from '../../daemon/engine/onnx/execution-provider.ts';
import { OPSET } from '../../daemon/engine/onnx/limits.ts';
import { toOnnxWeightsAsync } from '../../daemon/engine/onnx/onnx-weights.ts';
import { buildLossModel, buildTargetModel, buildTileForwardModel, buildTileLossModel } from '../../daemon/engine/onnx/vgg-graph.ts';
import { webGpuRefusal } from '../../daemon/engine/onnx/webgpu-ops.ts';
import { disposeVggWeights } from '../../daemon/engine/weights/load-weights.ts';
import { readOnnxModel } from '../support/onnx-model-reader.ts';
import { generatedWeightsAsync } from './stage-fixture.ts';

/**
 * Op coverage: every node of every graph the engine generates has a WebGPU kernel at the
 * graphs' opset (daemon/engine/onnx/webgpu-ops.ts, from onnxruntime's registrations), so no
 * change can silently bring back a CPU fallback (copies each way per evaluation) or a run
 * that fails on the GPU. The graphs are read back from their encoded bytes.
 */
function refusals(label: string, model: Uint8Array): string[] {
  const { opsets, nodes } = readOnnxModel(model);
  const opset = opsets.get('');
  assert.equal(opset, OPSET, `${label}: default-domain opset`);
  return nodes.flatMap((n) => {
    const why = webGpuRefusal(n.opType, opset!, n.outputs, n.domain);
    return why ? [`${label}: ${why}`] : [];
  });
}

test('every generated graph uses only ops the WebGPU provider implements', async () => {
  const weights = await generatedWeightsAsync(31);
  try {
    const convs = await toOnnxWeightsAsync(weights);
    const problems: string[] = [...refusals('provider probe', probeModel())];
    let graphs = 1;
    // Every preset's layers, an even and an odd size (the odd one pads the pool gradient),
    // both backward-convolution forms.
    for (const preset of Object.keys(PRESETS)) {
      for (const [height, width] of [[32, 48], [35, 45]] as const) {
        const o = resolveOptions({ preset, height, width, stages: 1 }, weights.convention, { width, height });
        const cfg = { height, width, contentLayers: o.contentLayers, styleLayers: o.styleLayers };
        problems.push(...refusals(`${preset} ${height}×${width} targets`, buildTargetModel(convs, cfg)));
        problems.push(...refusals(`${preset} ${height}×${width} tile forward`, buildTileForwardModel(convs, cfg)));
        problems.push(...refusals(`${preset} ${height}×${width} tile loss`, buildTileLossModel(convs, { ...cfg, backwardConv: 'flipped-conv' })));
        // Tiles of a masked job (the style taps read through their own masks).
        problems.push(...refusals(`${preset} ${height}×${width} style-masked tile forward`, buildTileForwardModel(convs, { ...cfg, styleMasked: true })));
        problems.push(...refusals(`${preset} ${height}×${width} style-masked tile loss`, buildTileLossModel(convs, { ...cfg, styleMasked: true, backwardConv: 'flipped-conv' })));
        graphs += 5;
        for (const backwardConv of ['flipped-conv', 'conv-transpose'] as const) {
          const label = `${preset} ${height}×${width} loss (${backwardConv})`;
          problems.push(...refusals(label, buildLossModel(convs, { ...cfg, backwardConv })));
          // With two masked style regions (StageInputs.regions).
          problems.push(...refusals(`${label} regions`, buildLossModel(convs, { ...cfg, backwardConv, regions: 2 })));
          graphs += 2;
        }
      }
    }
    assert.ok(graphs >= 27, 'the test saw the graphs it meant to');
    assert.deepEqual([...new Set(problems)], []);
  } finally {
    disposeVggWeights(weights);
  }
});

test('the op list refuses what onnxruntime\'s WebGPU provider cannot run', () => {
  // Each of these once sat in the loss graph (or could creep back) and leaves the GPU.
  assert.match(webGpuRefusal('Sum', OPSET, 1) ?? '', /Sum has no WebGPU kernel/);
  assert.match(webGpuRefusal('Sign', OPSET, 1) ?? '', /Sign has no WebGPU kernel/);
  assert.match(webGpuRefusal('MaxUnpool', OPSET, 1) ?? '', /MaxUnpool has no WebGPU kernel/);
  // pool.cc: "The Indices output is not supported yet".
  assert.match(webGpuRefusal('MaxPool', OPSET, 2) ?? '', /supports 1 output/);
  assert.equal(webGpuRefusal('MaxPool', OPSET, 1), undefined);
  // Transpose's kernels stop at opset 20: a jump to opset 21 must be noticed.
  assert.match(webGpuRefusal('Transpose', 21, 1) ?? '', /opset 21/);
  assert.match(webGpuRefusal('Conv', OPSET, 1, 'com.microsoft') ?? '', /domain/);
});
