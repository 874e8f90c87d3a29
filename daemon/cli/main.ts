import { runDoctorCommandAsync } from './doctor-command.ts';
import { runPhotopeaCommandAsync } from './photopea-command.ts';
import { runStylizeCommandAsync } from './stylize-command.ts';

const USAGE = `Usage: atelier <command> [options]

Commands:
  stylize <content> <style> [<style> ...] -o out.png   stylise one image (atelier stylize --help)
  doctor [--json]                                     what this machine can run: engines, GPU, weights
  photopea [--port N] [--print]                       open Photopea with Atelier (the plugin configured)
`;

/** The `atelier` command line: dispatches on the first word. */
export async function mainAsync(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await mainAsync(process.argv.slice(2));
}
