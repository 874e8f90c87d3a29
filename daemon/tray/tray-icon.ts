import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** Pixel size of the tray icon; desktops scale it to their panel. */
const ICON_SIZE = 64;

/** A palette with three paint wells: drawn here so the repository carries no binary icon. */
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <path d="M32 4C16 4 4 15 4 30c0 13 10 22 21 22 5 0 6-3 6-6 0-4 3-6 7-6h6c10 0 16-6 16-14C60 14 48 4 32 4z"
        fill="#f4e3c1" stroke="#5b3a1e" stroke-width="3"/>
  <circle cx="20" cy="22" r="6" fill="#d7263d"/>
  <circle cx="34" cy="15" r="6" fill="#1b98e0"/>
  <circle cx="47" cy="24" r="6" fill="#f4a261"/>
  <circle cx="19" cy="37" r="5" fill="#2a9d8f"/>
</svg>`;

/**
 * Writes the tray icon into `dir` and returns its path: PNG on Linux and macOS, ICO (holding
 * the PNG, which Windows Vista and later read) on Windows, as the tray helper expects.
 */
export async function writeTrayIconAsync(dir: string, platform: NodeJS.Platform = process.platform): Promise<string> {
  await mkdir(dir, { recursive: true });
  const png = await sharp(Buffer.from(ICON_SVG)).resize(ICON_SIZE, ICON_SIZE).png().toBuffer();
  if (platform !== 'win32') {
    const file = join(dir, 'tray-icon.png');
    await writeFile(file, png);
    return file;
  }
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(ICON_SIZE, 6);
  header.writeUInt8(ICON_SIZE, 7);
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(header.length, 18);
  const file = join(dir, 'tray-icon.ico');
  await writeFile(file, Buffer.concat([header, png]));
  return file;
}
