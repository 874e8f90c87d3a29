import sharp from 'sharp';
import type { RgbImage } from '../../daemon/engine/index.ts';

export interface SheetCell {
  image: RgbImage;
  /** One line under the picture (pair, variant, figures). */
  label: string;
}

/** Each picture is fitted (whole, letterboxed) into this box; the label sits under it. */
const CELL_WIDTH = 320;
const CELL_HEIGHT = 240;
const LABEL_HEIGHT = 22;
const GAP = 6;

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function cellAsync({ image, label }: SheetCell): Promise<Buffer> {
  const picture = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(CELL_WIDTH, CELL_HEIGHT, { fit: 'contain', background: '#ffffff' })
    .png()
    .toBuffer();
  const text = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CELL_WIDTH}" height="${LABEL_HEIGHT}">` +
      `<text x="4" y="16" font-family="sans-serif" font-size="13" fill="#222">${escapeXml(label)}</text></svg>`,
  );
  return sharp({ create: { width: CELL_WIDTH, height: CELL_HEIGHT + LABEL_HEIGHT, channels: 3, background: '#ffffff' } })
    .composite([
      { input: picture, left: 0, top: 0 },
      { input: text, left: 0, top: CELL_HEIGHT },
    ])
    .png()
    .toBuffer();
}

/** A PNG grid: one row a pair (content, style, then each result), to look at side by side. */
export async function writeContactSheetAsync(rows: readonly SheetCell[][], path: string): Promise<void> {
  const columns = Math.max(...rows.map((r) => r.length));
  const width = columns * CELL_WIDTH + (columns + 1) * GAP;
  const height = rows.length * (CELL_HEIGHT + LABEL_HEIGHT) + (rows.length + 1) * GAP;
  const composites: sharp.OverlayOptions[] = [];
  for (const [r, row] of rows.entries()) {
    for (const [c, cell] of row.entries()) {
      composites.push({ input: await cellAsync(cell), left: GAP + c * (CELL_WIDTH + GAP), top: GAP + r * (CELL_HEIGHT + LABEL_HEIGHT + GAP) });
    }
  }
  await sharp({ create: { width, height, channels: 3, background: '#e8e8e8' } }).composite(composites).png().toFile(path);
}
