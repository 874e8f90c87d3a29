/**
 * The ONNX Runtime compute path: a `LossBackend` (see ../loss-function.ts) whose loss and
 * gradient come from a generated ONNX graph run by onnxruntime-node.
 */
export { createOnnxLossBackendAsync, OnnxLossBackend, type OnnxLossBackendOptions } from './onnx-loss-backend.ts';
export {
  EXECUTION_PROVIDER_NAMES,
  resolveProviderAsync,
  type ExecutionProviderChoice,
  type ExecutionProviderName,
} from './execution-provider.ts';
