/**
 * What an executable or native library was built for, read from its header: ELF (the System V
 * ABI's e_ident and e_machine), PE (Microsoft's PE/COFF: "MZ", e_lfanew at 0x3C, "PE\0\0",
 * the COFF Machine field) or Mach-O (mach-o/loader.h's MH_MAGIC_64 and cputype; fat files'
 * FAT_MAGIC list each slice's cputype, big-endian).
 */
export interface BinaryFormat {
  format: 'elf' | 'pe' | 'mach-o';
  /** Every architecture inside (one, except for a universal Mach-O file). */
  archs: string[];
}

const ELF_MACHINES: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64' };
const PE_MACHINES: Record<number, string> = { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32' };
const MACHO_CPUS: Record<number, string> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };

export function binaryFormat(bytes: Uint8Array): BinaryFormat | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 64) return undefined;
  if (view.readUInt32BE(0) === 0x7f454c46) {
    // EI_CLASS 2: 64-bit; EI_DATA 1: little-endian, so e_machine (offset 18) reads LE.
    if (view[4] !== 2 || view[5] !== 1) return { format: 'elf', archs: ['not 64-bit little-endian'] };
    return { format: 'elf', archs: [ELF_MACHINES[view.readUInt16LE(18)] ?? `machine 0x${view.readUInt16LE(18).toString(16)}`] };
  }
  if (view.toString('latin1', 0, 2) === 'MZ') {
    const pe = view.readUInt32LE(0x3c);
    if (pe + 6 > view.length || view.readUInt32BE(pe) !== 0x50450000) return undefined;
    const machine = view.readUInt16LE(pe + 4);
    return { format: 'pe', archs: [PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`] };
  }
  if (view.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = view.readUInt32LE(4);
    return { format: 'mach-o', archs: [MACHO_CPUS[cpu] ?? `cputype 0x${cpu.toString(16)}`] };
  }
  if (view.readUInt32BE(0) === 0xcafebabe) {
    const count = view.readUInt32BE(4);
    // Java class files share the magic; their "count" (the version) is far above any slice count.
    if (count === 0 || count > 8) return undefined;
    const archs: string[] = [];
    for (let n = 0; n < count; n++) {
      const cpu = view.readUInt32BE(8 + n * 20);
      archs.push(MACHO_CPUS[cpu] ?? `cputype 0x${cpu.toString(16)}`);
    }
    return { format: 'mach-o', archs };
  }
  return undefined;
}
