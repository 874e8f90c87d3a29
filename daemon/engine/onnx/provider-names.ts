/**
 * The ONNX Runtime execution providers a designer can ask for, in a module without
 * onnxruntime-node, so the config schema and the command lines can name them without loading
 * the native runtime. 'auto': the first that starts of autoOrder() (execution-provider.ts).
 */
export const EXECUTION_PROVIDER_NAMES = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDER_NAMES)[number];
export type ExecutionProviderName = Exclude<ExecutionProviderChoice, 'auto'>;
