/**
 * Reads the WebSocket frame headers (RFC 6455 §5.2) of the raw bytes a connection sends
 * before it is paired, ahead of `ws`, so an unpaired client is cut off as soon as a header
 * declares a frame over the limit, or its bytes overall pass the budget, rather than after
 * `ws` has buffered a whole frame up to the server-wide `maxPayload` (which `ws` fixes per
 * server, not per connection). Only lengths are read: nothing is decoded, unmasked or kept
 * but the few header bytes that straddle two chunks.
 */
export class UnpairedGuard {
  private header = new Uint8Array(14);
  private headerBytes = 0;
  /** Payload bytes of the current frame still to skip. */
  private payloadLeft = 0;
  private total = 0;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly maxTotalBytes: number,
  ) {}

  /** Feeds one chunk; returns a reason when the connection must be closed, else null. */
  push(chunk: Uint8Array): 'frame-too-large' | 'too-much-data' | null {
    this.total += chunk.byteLength;
    if (this.total > this.maxTotalBytes) return 'too-much-data';
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.payloadLeft > 0) {
        const skip = Math.min(this.payloadLeft, chunk.byteLength - at);
        this.payloadLeft -= skip;
        at += skip;
        continue;
      }
      this.header[this.headerBytes++] = chunk[at++]!;
      const needed = headerLength(this.header, this.headerBytes);
      if (needed === null || this.headerBytes < needed) continue;
      const length = payloadLength(this.header);
      this.headerBytes = 0;
      if (length > this.maxFrameBytes) return 'frame-too-large';
      this.payloadLeft = length;
    }
    return null;
  }
}

/** The header's full length once its first two bytes are known (mask key included). */
function headerLength(header: Uint8Array, have: number): number | null {
  if (have < 2) return null;
  const code = header[1]! & 0x7f;
  const masked = (header[1]! & 0x80) !== 0 ? 4 : 0;
  return 2 + (code === 126 ? 2 : code === 127 ? 8 : 0) + masked;
}

function payloadLength(header: Uint8Array): number {
  const code = header[1]! & 0x7f;
  if (code < 126) return code;
  if (code === 126) return (header[2]! << 8) | header[3]!;
  // 64-bit length: anything with the high 32 bits set is far over every limit.
  const high = ((header[2]! << 24) >>> 0) + (header[3]! << 16) + (header[4]! << 8) + header[5]!;
  const low = ((header[6]! << 24) >>> 0) + (header[7]! << 16) + (header[8]! << 8) + header[9]!;
  return high > 0 ? Number.MAX_SAFE_INTEGER : low;
}
