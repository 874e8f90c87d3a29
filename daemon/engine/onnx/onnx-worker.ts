/**
 * The ONNX worker: a child process that owns an OnnxLossCore (sessions, style Gram cache), so a
 * blocking `session.run` stalls this process and not the daemon's event loop. Started by
 * worker-client.ts through onnx-worker-bootstrap.mjs; speaks worker-messages.ts.
 */
import { resolveProviderAsync } from './execution-provider.ts';
import { readOnnxConvsAsync } from './onnx-weights.ts';
import { OnnxLossCore, type CoreStage, type CoreTileKernel } from './onnx-loss-core.ts';
import { serializeError, type ReplyValues, type SerializedError, type WorkerReply, type WorkerRequest } from './worker-messages.ts';

const send = process.send?.bind(process);
if (!send) throw new Error('onnx-worker.ts runs only as a child process with an IPC channel (see worker-client.ts).');
// The daemon is gone (exited, killed): nothing is left to answer, and nothing should outlive it.
process.on('disconnect', () => process.exit(0));

let core: OnnxLossCore | undefined;
const stages = new Map<number, CoreStage>();
const kernels = new Map<number, CoreTileKernel>();

function kernelOf(id: number): CoreTileKernel {
  const kernel = kernels.get(id);
  if (!kernel) throw new Error('This stage’s tile kernel was disposed.');
  return kernel;
}

function initialized(): OnnxLossCore {
  if (!core) throw new Error('The ONNX worker was asked to work before it was initialised.');
  return core;
}

function stageOf(id: number): CoreStage {
  const stage = stages.get(id);
  if (!stage) throw new Error('This stage’s loss function was disposed.');
  return stage;
}

async function answerAsync(request: WorkerRequest): Promise<{ value: ReplyValues[keyof ReplyValues] } | undefined> {
  switch (request.type) {
    case 'init': {
      const provider = await resolveProviderAsync(request.executionProvider, request.threads, request.tuning);
      const w = request.weights;
      const convs = 'convs' in w ? w.convs : await readOnnxConvsAsync(w.folder);
      core = new OnnxLossCore(convs, request.weightsSource, provider.sessionOptions, request.backwardConv);
      return { value: { backend: provider.name, device: provider.device, deepestTap: core.deepestTap } };
    }
    case 'prepare': {
      const c = initialized();
      stages.set(request.stage, await c.prepareStageAsync(request.inputs));
      return { value: { styleCacheSize: c.styleCache.size } };
    }
    case 'evaluate': {
      const result = await stageOf(request.stage).evaluateAsync(request.x);
      return { value: result };
    }
    case 'style-energy':
      return { value: { energy: await initialized().styleEnergyAsync(request.styles, request.layers) } };
    case 'prepare-tiles':
      kernels.set(request.kernel, await initialized().prepareTileKernelAsync(request.config));
      return { value: {} };
    case 'tile-forward': {
      const result = await kernelOf(request.kernel).forwardAsync(request.window, request.own, request.want, request.styleMasks);
      return { value: result };
    }
    case 'tile-backward': {
      const r = request;
      const result = await kernelOf(r.kernel).backwardAsync(r.window, r.own, r.contentTargets, r.styleCoefficients, r.contentScales, r.styleMasks);
      return { value: result };
    }
    case 'dispose-tiles':
      kernels.get(request.kernel)?.dispose();
      kernels.delete(request.kernel);
      return undefined;
    case 'dispose-stage':
      stages.get(request.stage)?.dispose();
      stages.delete(request.stage);
      return undefined;
    case 'clear-style-cache':
      core?.styleCache.clear();
      return undefined;
    case 'close':
      for (const stage of stages.values()) stage.dispose();
      stages.clear();
      for (const kernel of kernels.values()) kernel.dispose();
      kernels.clear();
      core?.dispose();
      // Sessions are released; nothing else of this process' is worth waiting for.
      process.exit(0);
  }
}

// One request at a time, in order: a stage disposed right after an evaluation is disposed
// after it, and `run` is synchronous anyway, so nothing would overlap.
let queue: Promise<void> = Promise.resolve();

/** A reply, if the daemon is still there to take it. */
function reply(message: { id: number; ok: true; value: ReplyValues[keyof ReplyValues] } | { id: number; ok: false; error: SerializedError }): void {
  if (process.connected) send!({ ...message, maxRssBytes: process.resourceUsage().maxRSS * 1024 } as WorkerReply, undefined, undefined, () => undefined);
}

process.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    const id = 'id' in request ? request.id : undefined;
    try {
      const answer = await answerAsync(request);
      if (id !== undefined && answer) reply({ id, ok: true, value: answer.value });
    } catch (error) {
      if (id !== undefined) reply({ id, ok: false, error: serializeError(error) });
    }
  });
});
