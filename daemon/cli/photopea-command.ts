import { openWithDesktopAsync } from '../app/desktop-actions.ts';
import { PHOTOPEA_PERMISSION_SENTENCE, photopeaLaunchUrl, photopeaPageServedAsync } from '../app/photopea-launch.ts';
import { DEFAULT_DAEMON_PORT } from '../server/limits.ts';

const USAGE = `Usage: atelier photopea [--port <port>] [--print]

Opens Photopea (www.photopea.com) in your browser with the Atelier plugin configured. Atelier
must be running (npm start); the plugin page is served by it.
  --port <port>   the port Atelier listens on (default ${DEFAULT_DAEMON_PORT})
  --print         print the link instead of opening it
`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `atelier photopea`: "Open Photopea with Atelier" from the terminal, as the tray menu does. */
export async function runPhotopeaCommandAsync(args: string[], io: Io, open: (url: string) => Promise<boolean> = openWithDesktopAsync): Promise<number> {
  let port = DEFAULT_DAEMON_PORT;
  let print = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--print') print = true;
    else if (arg === '--port' && /^\d{1,5}$/.test(args[i + 1] ?? '') && Number(args[i + 1]) >= 1 && Number(args[i + 1]) <= 65535) port = Number(args[++i]);
    else if (arg === '-h' || arg === '--help') {
      io.stdout.write(USAGE);
      return 0;
    } else {
      io.stderr.write(`atelier photopea: unexpected "${arg ?? ''}"\n\n${USAGE}`);
      return 2;
    }
  }
  const url = photopeaLaunchUrl(port);
  if (!(await photopeaPageServedAsync(port))) {
    io.stderr.write(`Atelier is not running on port ${port} (or its Photopea page is not built). Start it with \`npm start\` (after \`npm run build\`), then run this again.\n`);
    return 1;
  }
  if (print) {
    io.stdout.write(`${url}\n`);
    return 0;
  }
  if (!(await open(url))) {
    io.stdout.write(`Could not open a browser; open this link yourself:\n${url}\n${PHOTOPEA_PERMISSION_SENTENCE}\n`);
    return 0;
  }
  io.stdout.write(`Opened Photopea with the Atelier plugin (the “Atelier” button on Photopea's right side).\n${PHOTOPEA_PERMISSION_SENTENCE}\n`);
  return 0;
}
