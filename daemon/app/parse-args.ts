import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../config/index.ts';

/** What `npm start -- <flags>` can say; values are checked again by the config schema. */
export interface CliArgs {
  help: boolean;
  version: boolean;
  /** Terminal only: no tray icon, even on a desktop. */
  headless: boolean;
  port?: number;
  weights?: string;
  engine?: string;
  backend?: string;
  executionProvider?: string;
}

export const USAGE = `Usage: atelier start [options]
       npm start -- [options]
       node --import tsx daemon/main.ts [options]

Runs the Atelier daemon: a tray icon on a desktop, status in the terminal otherwise.

Options:
  --headless          No tray icon; print the pairing code and status here.
  --port <n>          Listen on 127.0.0.1:<n> (default from config.json, normally 7878; 0: any free port).
  --weights <path>    Use these weights: a folder with weights_manifest.json, or the Keras
                      file vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5.
  --engine <name>     auto, onnx or tfjs: what computes the gradient (default auto: onnx where it loads).
  --backend <name>    TensorFlow.js backend: auto, tensorflow, wasm or cpu (default auto).
  --execution-provider <name>
                      ONNX Runtime provider: auto, cpu, cuda, webgpu, dml or coreml (default auto:
                      CUDA where installed, then WebGPU, then the CPU).
  -h, --help          Show this help.
  -v, --version       Print the version.

Environment:
  ATELIER_WEIGHTS          Same as --weights.
  ATELIER_WEIGHTS_URL      Where the first run downloads the weights from.
  ATELIER_WEIGHTS_SHA256   Expected SHA-256 (or MD5) of that download.
  XDG_CONFIG_HOME, XDG_CACHE_HOME (Linux), APPDATA, LOCALAPPDATA (Windows): where config.json
  and the cache live.
`;

const portText = z.string().regex(/^\d{1,5}$/, 'must be a whole number');

/** Parses the daemon's flags; unknown flags and bad values are `args_invalid` errors. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new ConfigError('args_invalid', `${error instanceof Error ? error.message : String(error)}. Run with --help for the options.`);
  }
  const args: CliArgs = { help: values.help ?? false, version: values.version ?? false, headless: values.headless ?? false };
  if (values.port !== undefined) {
    const port = portText.safeParse(values.port);
    if (!port.success) throw new ConfigError('args_invalid', `--port ${values.port}: ${port.error.issues[0]?.message}.`);
    args.port = Number(values.port);
  }
  if (values.weights !== undefined) args.weights = values.weights;
  if (values.engine !== undefined) args.engine = values.engine;
  if (values.backend !== undefined) args.backend = values.backend;
  if (values['execution-provider'] !== undefined) args.executionProvider = values['execution-provider'];
  return args;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      headless: { type: 'boolean' },
      port: { type: 'string' },
      weights: { type: 'string' },
      engine: { type: 'string' },
      backend: { type: 'string' },
      'execution-provider': { type: 'string' },
    },
  });
}
