import { desktopExecArgument } from '../../daemon/app/start-at-login.ts';
import { infoPlist } from './info-plist.ts';
import { LAYOUT, type Target } from './targets.ts';

/** A file the packager writes beside the app: its path in the unpacked folder, text and mode. */
export interface LauncherFile {
  path: string;
  text: string;
  executable: boolean;
}

/** The Mac app's executable: a script, in Atelier.app/Contents/MacOS/. */
export const MAC_APP_EXECUTABLE = 'Atelier';

/**
 * The `atelier` command as a POSIX shell script (Linux and macOS): the package's Node runs the
 * bundled CLI. Symbolic links to it (say from ~/bin) are followed back to the package where
 * readlink exists; otherwise only shell built-ins are used, so it runs with any PATH.
 */
function posixCommand(target: Target): string {
  const root = target.daemonRoot ? `$here/${target.daemonRoot}` : '$here';
  return `#!/bin/sh
# atelier: the Atelier command line (atelier --help). Runs the Node.js inside this folder.
self=$0
if command -v readlink >/dev/null 2>&1; then self=$(readlink -f -- "$0" 2>/dev/null || printf '%s' "$0"); fi
case $self in */*) here=\${self%/*} ;; *) here=. ;; esac
here=$(CDPATH= cd -- "$here" && pwd) || exit 1
exec "${root}/${LAYOUT.runtimeDir}/${target.nodeExe}" "${root}/${LAYOUT.bundleFile}" "$@"
`;
}

/** A path inside the package, as Windows writes it. */
const win = (path: string): string => path.replace(/\//g, '\\');

/** Windows' `atelier` command; `%~dp0` is this file's folder, with its trailing backslash. */
function windowsCommand(target: Target): string {
  return [
    '@echo off',
    'rem atelier: the Atelier command line (atelier --help). Runs the Node.js inside this folder.',
    `"%~dp0${win(`${LAYOUT.runtimeDir}/${target.nodeExe}`)}" "%~dp0${win(LAYOUT.bundleFile)}" %*`,
    'exit /b %ERRORLEVEL%',
    '',
  ].join('\r\n');
}

/**
 * Double-clicked on Windows: runs `atelier start` with its window hidden (style 0), so the
 * designer sees the tray icon and no console. It starts the package's node.exe itself rather
 * than atelier.cmd: a batch file goes through cmd.exe, whose quote handling breaks on folder
 * names such as "Atelier-0.1.0-win-x64 (1)" that a second download gets.
 */
function windowsLauncher(target: Target): string {
  return [
    "' Atelier: starts the Atelier tray app without a console window.",
    'Set fso = CreateObject("Scripting.FileSystemObject")',
    'here = fso.GetParentFolderName(WScript.ScriptFullName)',
    `node = here & "\\${win(`${LAYOUT.runtimeDir}/${target.nodeExe}`)}"`,
    `app = here & "\\${win(LAYOUT.bundleFile)}"`,
    'CreateObject("WScript.Shell").Run """" & node & """ """ & app & """ start", 0, False',
    '',
  ].join('\r\n');
}

/**
 * Atelier.app's executable: `atelier start` with the Node.js and daemon inside the app's own
 * Resources, so the app runs wherever it is (moved to /Applications, or translocated).
 */
function macAppExecutable(target: Target): string {
  return `#!/bin/sh
# Atelier.app's executable: starts the menu-bar app with the Node.js inside this app.
here=$(CDPATH= cd -- "\${0%/*}/../Resources" && pwd) || exit 1
exec "$here/${LAYOUT.runtimeDir}/${target.nodeExe}" "$here/${LAYOUT.bundleFile}" start
`;
}

/** A desktop entry run from the unpacked folder (%k: this file's own path). */
function desktopEntry(version: string): string {
  return `[Desktop Entry]
Type=Application
Version=1.0
Name=Atelier
Comment=Neural style transfer for Figma and Photopea (Atelier ${version})
Exec=${['sh', '-c', 'exec "$(dirname "$1")/atelier" start', 'sh'].map(desktopExecArgument).join(' ')} %k
Terminal=false
Categories=Graphics;
`;
}

/** The launchers and commands of one platform's package. */
export function launcherFiles(target: Target, version: string): LauncherFile[] {
  switch (target.os) {
    case 'linux':
      return [
        { path: 'atelier', text: posixCommand(target), executable: true },
        { path: 'Atelier.desktop', text: desktopEntry(version), executable: true },
      ];
    case 'darwin':
      return [
        { path: 'atelier', text: posixCommand(target), executable: true },
        { path: 'Atelier.app/Contents/Info.plist', text: infoPlist(version, MAC_APP_EXECUTABLE), executable: false },
        { path: 'Atelier.app/Contents/PkgInfo', text: 'APPL????', executable: false },
        { path: `Atelier.app/Contents/MacOS/${MAC_APP_EXECUTABLE}`, text: macAppExecutable(target), executable: true },
      ];
    case 'win32':
      return [
        { path: 'atelier.cmd', text: windowsCommand(target), executable: false },
        { path: 'Atelier.vbs', text: windowsLauncher(target), executable: false },
      ];
  }
}
