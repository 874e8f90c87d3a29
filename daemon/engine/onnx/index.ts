/**
 * The ONNX Runtime compute path: a `LossBackend` (see ../loss-function.ts) whose loss and
 * gradient come from a generated ONNX graph run by onnxruntime-node, in a worker process by
 * default (`inWorker: false` keeps it on the calling thread).
 */
export { createOnnxLossBackendAsync, type OnnxLossBackendOptions } from './create-loss-backend.ts';
export { OnnxLossBackend } from './onnx-loss-backend.ts';
export { checkProviderParityAsync, type ParityResult } from './provider-parity-async.ts';
export { WorkerOnnxLossBackend } from './worker-loss-backend.ts';
export {
  EXECUTION_PROVIDER_NAMES,
  resolveProviderAsync,
  probeProviderAsync,
  autoOrder,
  autoTakes,
  type ProviderProbe,
  type ProviderTuning,
  type ExecutionProviderChoice,
  type ExecutionProviderName,
} from './execution-provider.ts';
