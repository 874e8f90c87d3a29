import { open, readFile } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

/** One file for the zip: its path inside the archive (forward slashes), source file and mode bits. */
export interface ZipEntry {
  path: string;
  source: string;
  mode: number;
}

/** ZIP's limits without the Zip64 extension (APPNOTE.TXT 4.4.8, 4.4.21): none of our archives nears them. */
const MAX_32 = 0xffff_ffff;
const MAX_ENTRIES = 0xffff;
/** "Version made by" 3.0 on UNIX (APPNOTE 4.4.2): unzip and macOS' Archive Utility then apply the mode bits in the external attributes. */
const MADE_BY_UNIX = (3 << 8) | 30;
const NEEDED = 20;
/** 1980-01-01 00:00, the earliest DOS time: the same files give the same archive. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const S_IFREG = 0o100000;
/** General purpose flag bit 11: names are UTF-8. */
const UTF8 = 1 << 11;

/**
 * Writes a ZIP archive (stored or deflated entries, no Zip64) that keeps each file's UNIX mode
 * bits, so Atelier.app's executable and the launcher scripts stay executable once unzipped.
 */
export async function writeZipAsync(file: string, entries: readonly ZipEntry[]): Promise<void> {
  if (entries.length > MAX_ENTRIES) throw new Error(`${entries.length} files: more than a ZIP without Zip64 holds`);
  const out = await open(file, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const writeAsync = async (buffer: Buffer): Promise<void> => {
    await out.write(buffer);
    offset += buffer.length;
  };
  try {
    for (const entry of entries) {
      const data = await readFile(entry.source);
      const deflated = deflateRawSync(data, { level: 6 });
      const stored = deflated.length >= data.length;
      const body = stored ? data : deflated;
      const crc = crc32(data);
      const name = Buffer.from(entry.path, 'utf8');
      if (data.length > MAX_32 || offset > MAX_32) throw new Error(`${entry.path}: past 4 GiB, which a ZIP without Zip64 cannot hold`);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(NEEDED, 4);
      local.writeUInt16LE(UTF8, 6);
      local.writeUInt16LE(stored ? 0 : 8, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(MADE_BY_UNIX, 4);
      header.writeUInt16LE(NEEDED, 6);
      header.writeUInt16LE(UTF8, 8);
      header.writeUInt16LE(stored ? 0 : 8, 10);
      header.writeUInt16LE(DOS_TIME, 12);
      header.writeUInt16LE(DOS_DATE, 14);
      header.writeUInt32LE(crc, 16);
      header.writeUInt32LE(body.length, 20);
      header.writeUInt32LE(data.length, 24);
      header.writeUInt16LE(name.length, 28);
      // Extra field, comment, disk number start, internal attributes: none.
      header.writeUInt32LE(((S_IFREG | (entry.mode & 0o777)) << 16) >>> 0, 38);
      header.writeUInt32LE(offset, 42);
      central.push(header, name);
      await writeAsync(Buffer.concat([local, name]));
      await writeAsync(body);
    }
    const directory = Buffer.concat(central);
    if (offset > MAX_32) throw new Error('the archive passed 4 GiB, which a ZIP without Zip64 cannot hold');
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    await writeAsync(directory);
    await writeAsync(end);
  } finally {
    await out.close();
  }
}
