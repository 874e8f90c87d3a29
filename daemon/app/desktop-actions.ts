import { spawn } from 'node:child_process';

/**
 * Opens a file or a URL with the desktop's default application (the browser for a URL); resolves false (never throws) when no
 * opener is available, e.g. on a server without a desktop.
 */
export function openWithDesktopAsync(file: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [program, args] =
    platform === 'darwin' ? ['open', [file]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', file]] : ['xdg-open', [file]];
  return runAsync(program, args);
}

/** Puts text on the clipboard with the platform's own tool (pbcopy, clip, wl-copy or xclip). */
export async function copyToClipboardAsync(text: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (platform === 'darwin') return runAsync('pbcopy', [], text);
  if (platform === 'win32') return runAsync('clip', [], text);
  if (process.env.WAYLAND_DISPLAY && (await runAsync('wl-copy', [], text))) return true;
  return runAsync('xclip', ['-selection', 'clipboard'], text);
}

function runAsync(program: string, args: string[], input?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'], detached: input === undefined });
    child.on('error', () => resolve(false));
    if (input === undefined) {
      // An opener may keep running (it is the viewer); do not wait for it or tie it to us.
      child.unref();
      child.on('spawn', () => resolve(true));
      return;
    }
    child.on('exit', (code) => resolve(code === 0));
    child.stdin?.end(input);
  });
}
