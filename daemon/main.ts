/**
 * `npm start`: the Atelier daemon (see daemon/app/README.md), as `atelier start` runs it.
 */
import { runStartCommandAsync } from './cli/start-command.ts';

process.exitCode = await runStartCommandAsync(process.argv.slice(2));
