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

interface SharedFields {
  method: number;
  crc: number;
  compressed: number;
  size: number;
  nameLength: number;
}

/** The run of fields both headers hold in the same order: version needed … file name length. */
function writeSharedFields(buffer: Buffer, at: number, f: SharedFields): void {
  buffer.writeUInt16LE(NEEDED, at);
  buffer.writeUInt16LE(UTF8, at + 2);
  buffer.writeUInt16LE(f.method, at + 4);
  buffer.writeUInt16LE(DOS_TIME, at + 6);
  buffer.writeUInt16LE(DOS_DATE, at + 8);
  buffer.writeUInt32LE(f.crc, at + 10);
  buffer.writeUInt32LE(f.compressed, at + 14);
  buffer.writeUInt32LE(f.size, at + 18);
  buffer.writeUInt16LE(f.nameLength, at + 22);
}

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
      const fields = { method: stored ? 0 : 8, crc, compressed: body.length, size: data.length, nameLength: name.length };
      // Local file header (APPNOTE 4.3.7); its extra field length stays 0.
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      writeSharedFields(local, 4, fields);
      // Central directory header (APPNOTE 4.3.12); extra field, comment, disk number start and
      // internal attributes stay 0.
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(MADE_BY_UNIX, 4);
      writeSharedFields(header, 6, fields);
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
