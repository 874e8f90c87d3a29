#!/usr/bin/env node
// The installed `atelier` command: TypeScript sources run through tsx, so there is no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { mainAsync } = await import('../daemon/cli/main.ts');
process.exitCode = await mainAsync(process.argv.slice(2), { relaunchArgs: [fileURLToPath(import.meta.url), 'start'] });
