/** Escapes text for an XML element's content. */
const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The app's bundle identifier (reverse DNS, as Apple asks). */
export const BUNDLE_ID = 'app.atelier.tray';

/**
 * Atelier.app/Contents/Info.plist: a menu-bar app (LSUIElement: no Dock icon, no main
 * window), whose executable is the launcher script in Contents/MacOS. Node.js 22 needs
 * macOS 11 or later.
 */
export function infoPlist(version: string, executable: string): string {
  const entries: Array<[string, string | boolean]> = [
    ['CFBundleDevelopmentRegion', 'en'],
    ['CFBundleDisplayName', 'Atelier'],
    ['CFBundleExecutable', executable],
    ['CFBundleIdentifier', BUNDLE_ID],
    ['CFBundleInfoDictionaryVersion', '6.0'],
    ['CFBundleName', 'Atelier'],
    ['CFBundlePackageType', 'APPL'],
    ['CFBundleShortVersionString', version],
    ['CFBundleVersion', version],
    ['LSMinimumSystemVersion', '11.0'],
    ['LSUIElement', true],
    ['NSHighResolutionCapable', true],
  ];
  const body = entries
    .map(([key, value]) => `\t<key>${xml(key)}</key>\n\t${typeof value === 'boolean' ? (value ? '<true/>' : '<false/>') : `<string>${xml(value)}</string>`}`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
${body}
</dict>
</plist>
`;
}
