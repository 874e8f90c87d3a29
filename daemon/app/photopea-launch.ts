import { request } from 'node:http';
import { PHOTOPEA_ICON_PATH, PHOTOPEA_PAGE_PATH } from '../server/limits.ts';

/** Photopea's address; the configuration JSON goes after `#` (photopea.com/api: "https://www.photopea.com#STRING_VALUE"). */
export const PHOTOPEA_URL = 'https://www.photopea.com';
/** The plugin panel's size in Photopea (api/plugins: `width`, `height`). */
export const PHOTOPEA_PANEL_WIDTH = 320;
export const PHOTOPEA_PANEL_HEIGHT = 640;

/**
 * The one-click link that opens Photopea with the Atelier plugin configured: Photopea reads
 * a JSON object after `#`, URL-encoded as encodeURIComponent does (photopea.com/api), whose
 * `environment.plugins` lists {name, url, width, height, icon} (photopea.com/api/plugins).
 */
export function photopeaLaunchUrl(port: number): string {
  const base = `http://localhost:${port}`;
  const config = {
    environment: {
      plugins: [{ name: 'Atelier', url: `${base}${PHOTOPEA_PAGE_PATH}`, width: PHOTOPEA_PANEL_WIDTH, height: PHOTOPEA_PANEL_HEIGHT, icon: `${base}${PHOTOPEA_ICON_PATH}` }],
    },
  };
  return `${PHOTOPEA_URL}#${encodeURIComponent(JSON.stringify(config))}`;
}

/**
 * Said whenever Atelier opens Photopea: from Chrome 142 (Local Network Access) a public site
 * needs the designer's permission to load a frame from localhost, and a blocked panel frame
 * never loads, so neither the panel nor the daemon can say anything then (issue 28 item 1).
 */
export const PHOTOPEA_PERMISSION_SENTENCE =
  'Chrome and Edge ask “www.photopea.com wants to access apps on this device” (or “… devices on your local network”): choose Allow, or the Atelier panel stays empty (README, Troubleshooting).';

/** Whether an Atelier daemon serves the plugin page on this port (HEAD /photopea/ → 200). */
export function photopeaPageServedAsync(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: PHOTOPEA_PAGE_PATH, method: 'HEAD', headers: { Host: `127.0.0.1:${port}` }, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
