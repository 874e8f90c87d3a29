// One stylisation in its own process, so that its peak RSS is its own: runs `atelier stylize
// --json` with the given arguments and adds a last line {"type":"rss","maxRssBytes":…}.
import { runStylizeCommandAsync } from '../../daemon/cli/stylize-command.ts';
import { jobPeakRssBytes } from '../../daemon/engine/index.ts';

const code = await runStylizeCommandAsync(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// This process' peak and the ONNX worker process' (peak-rss.ts).
process.stdout.write(`${JSON.stringify({ type: 'rss', maxRssBytes: jobPeakRssBytes() })}\n`);
process.exitCode = code;
