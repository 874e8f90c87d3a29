import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** How the session should start the daemon: a program, its arguments, and the folder to run in. */
export interface LoginCommand {
  program: string;
  args: string[];
  cwd: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The per-user autostart entry of each platform: an XDG autostart `.desktop` file on Linux, a
 * LaunchAgent on macOS, a script in the Startup folder on Windows. None needs administrator
 * rights, and deleting the file undoes it.
 */
export function loginEntryPath(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'LaunchAgents', 'dev.atelier.daemon.plist');
  if (platform === 'win32') {
    const roaming = env.APPDATA ?? join(home, 'AppData', 'Roaming');
    return join(roaming, 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'atelier-daemon.cmd');
  }
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart', 'atelier-daemon.desktop');
}

export async function isStartAtLoginEnabledAsync(entry: string = loginEntryPath()): Promise<boolean> {
  return stat(entry).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function setStartAtLoginAsync(
  enabled: boolean,
  command: LoginCommand,
  entry: string = loginEntryPath(),
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  if (!enabled) {
    await rm(entry, { force: true });
    return;
  }
  await mkdir(dirname(entry), { recursive: true });
  await writeFile(entry, loginEntryText(command, platform));
}

export function loginEntryText(command: LoginCommand, platform: NodeJS.Platform = process.platform): string {
  const argv = [command.program, ...command.args];
  if (platform === 'darwin') {
    const strings = argv.map((a) => `    <string>${xml(a)}</string>`).join('\n');
    return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>dev.atelier.daemon</string>
  <key>ProgramArguments</key>
  <array>
${strings}
  </array>
  <key>WorkingDirectory</key><string>${xml(command.cwd)}</string>
  <key>RunAtLoad</key><true/>
</dict>
</plist>
`;
  }
  if (platform === 'win32') {
    return `@echo off\r\ncd /d "${command.cwd}"\r\nstart "" /min ${argv.map((a) => `"${a}"`).join(' ')}\r\n`;
  }
  const exec = argv.map(desktopExecArgument).join(' ');
  return `[Desktop Entry]
Type=Application
Name=Atelier daemon
Comment=Neural style transfer for the Atelier Figma plugin
Exec=${exec}
Path=${command.cwd}
Terminal=false
X-GNOME-Autostart-enabled=true
`;
}

/**
 * One argument of a desktop entry's Exec key (Desktop Entry Specification, "The Exec key"): one
 * with reserved characters goes in double quotes, inside which " ` $ \ take a backslash; the
 * key's value is then a string, whose own escaping doubles every backslash.
 */
export function desktopExecArgument(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`.replace(/\\/g, '\\\\');
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
