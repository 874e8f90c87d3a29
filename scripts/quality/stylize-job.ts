// One stylisation in its own process, so that its peak RSS is its own: runs `atelier stylize
// --json` with the given arguments and adds a last line {"type":"rss","maxRssBytes":…}.
import { runStylizeCommandAsync } from '../../daemon/cli/stylize-command.ts';

const code = await runStylizeCommandAsync(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// resourceUsage().maxRSS is in kilobytes and covers the ONNX worker thread too (same process).
process.stdout.write(`${JSON.stringify({ type: 'rss', maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
process.exitCode = code;
