// The ONNX worker process' entry, plain JavaScript so that it loads without a TypeScript loader.
// worker-client.ts starts it with no Node options, so it inherits no loader; a Node that runs
// TypeScript itself may load the worker as is, so try that first and register tsx here only when
// it does not load. A failed import stays cached under its URL: the retry asks for the same file
// under another one.
try {
  await import('./onnx-worker.ts');
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
  await import('./onnx-worker.ts?tsx');
}
