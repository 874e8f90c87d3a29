/**
 * A tiny PNG encoder (8-bit RGB, stored deflate blocks) that runs anywhere: the fake's
 * exportAsync needs real PNGs both under node and inside the browser harness, without zlib.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib stream made of uncompressed deflate blocks (max 65535 bytes each). */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  const view = new DataView(out.buffer);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, raw.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0;
    view.setUint16(o, len, true);
    view.setUint16(o + 2, len ^ 0xffff, true);
    o += 4;
    out.set(raw.subarray(start, start + len), o);
    o += len;
  }
  view.setUint32(o, adler32(raw));
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Encodes interleaved RGB pixels as a PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  return encodePixels(width, height, rgb, 3);
}

/** Encodes interleaved RGBA pixels (straight alpha, as PNG stores it) as a PNG. */
export function encodePngRgba(width: number, height: number, rgba: Uint8Array): Uint8Array {
  return encodePixels(width, height, rgba, 4);
}

function encodePixels(width: number, height: number, pixels: Uint8Array, channels: 3 | 4): Uint8Array {
  const row = width * channels;
  const raw = new Uint8Array(height * (1 + row));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + row)] = 0; // filter: none
    raw.set(pixels.subarray(y * row, (y + 1) * row), y * (1 + row) + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type: RGBA or RGB
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibStored(raw)),
    chunk('IEND', new Uint8Array()),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    png.set(p, o);
    o += p.length;
  }
  return png;
}

export type RgbColor = readonly [number, number, number];

/**
 * A recognisable test picture: `base` as a diagonal gradient, with a disc in the middle or
 * stripes (for style layers), so screenshots of the harness show something real.
 */
export function paintPattern(width: number, height: number, base: RgbColor, pattern: 'disc' | 'stripes' | 'plain'): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  const r2 = (Math.min(width, height) * 0.3) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / Math.max(1, width) + y / Math.max(1, height)) / 2;
      let shade = 0.55 + 0.45 * t;
      if (pattern === 'disc' && (x - width / 2) ** 2 + (y - height / 2) ** 2 < r2) shade = 1.6 - shade;
      if (pattern === 'stripes' && Math.floor((x + y) / Math.max(2, width / 12)) % 2 === 0) shade *= 0.45;
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[i + c] = Math.max(0, Math.min(255, Math.round(base[c]! * shade)));
    }
  }
  return rgb;
}
