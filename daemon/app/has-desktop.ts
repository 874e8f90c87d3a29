type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether a tray icon can be shown: macOS and Windows sessions always have one; elsewhere a
 * display server must be named (X11's DISPLAY or WAYLAND_DISPLAY), as over SSH or in a
 * container it is not.
 */
export function hasDesktop(env: Env = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}
