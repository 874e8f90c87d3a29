import { readDaemonVersion } from '../app/daemon-version.ts';
import { runDoctorCommandAsync } from './doctor-command.ts';
import { runPhotopeaCommandAsync } from './photopea-command.ts';
import { runStartCommandAsync } from './start-command.ts';
import { runStylizeCommandAsync } from './stylize-command.ts';

const USAGE = `Usage: atelier <command> [options]

Commands:
  stylize <content> <style> [<style> ...] -o out.png   stylise one image (atelier stylize --help)
  doctor [--json]                                     what this machine can run: engines, GPU, weights
  photopea [--port N] [--print]                       open Photopea with Atelier (the plugin configured)
  start [--headless] [--port N]                       run Atelier: the tray app (atelier start --help)

A studio's team server (Redis: --redis URL or ATELIER_REDIS_URL):
  server --redis URL [--tls-cert F --tls-key F]       the front door designers' plugins connect to (atelier server --help)
  worker --redis URL [--provider P] [--device N]      one GPU's worker (atelier worker --help)
  team invite|list|revoke|status                      designers and the queue (atelier team --help)
  --version                                           print the version
`;

/** How `atelier start` is run again at login: the script running now, then `start`. */
export interface MainOptions {
  relaunchArgs?: readonly string[];
}

/** The `atelier` command line: dispatches on the first word. */
export async function mainAsync(argv: string[], options: MainOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  // The daemon handles its own signals (a first Ctrl+C stops it cleanly).
  if (command === 'start') return runStartCommandAsync(rest, options.relaunchArgs);
  const controller = new AbortController();
  // Ctrl-C stops the engine within one iteration instead of killing it mid-write.
  process.once('SIGINT', () => controller.abort());
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal };
  switch (command) {
    case 'stylize':
      return runStylizeCommandAsync(rest, io);
    case 'doctor':
      return runDoctorCommandAsync(rest, io);
    case 'photopea':
      return runPhotopeaCommandAsync(rest, io);
    // Team mode loads ioredis and BullMQ only when asked for.
    case 'server':
      return (await import('./server-command.ts')).runServerCommandAsync(rest, io);
    case 'worker':
      return (await import('./worker-command.ts')).runWorkerCommandAsync(rest, io);
    case 'team':
      return (await import('./team-command.ts')).runTeamCommandAsync(rest, io);
    case '-v':
    case '--version':
    case 'version':
      process.stdout.write(`${readDaemonVersion()}\n`);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`atelier: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
