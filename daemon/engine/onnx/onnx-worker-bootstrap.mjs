// The ONNX worker's entry, plain JavaScript so that it loads without a TypeScript loader.
// Whether the worker inherits the parent's loader depends on how the parent got it and on the
// Node version (Node 20 runs neither `--import tsx` nor a main-thread `register()` in workers;
// Node 22 inherits `register()`ed hooks), so try the TypeScript worker as is, and register
// tsx here only when it does not load. A failed import stays cached under its URL: the retry
// asks for the same file under another one.
try {
  await import('./onnx-worker.ts');
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
  await import('./onnx-worker.ts?tsx');
}
