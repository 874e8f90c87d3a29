import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LIMITS,
  PROTOCOL_VERSION,
  checkProtocolVersion,
  decodeBinaryFrame,
  encodeBinaryFrame,
  parseClientFrame,
  readPngSize,
  sniffImageMime,
} from '../../protocol/index.ts';

test('a binary frame is [u32 BE header length][header JSON][attachments in order]', () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array([9, 8]);
  const frame = encodeBinaryFrame({ type: 'x' }, new Map([['a', a], ['b', b]]));
  const headerLength = new DataView(frame.buffer).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + headerLength)));
  assert.deepEqual(header, { message: { type: 'x' }, attachments: [{ id: 'a', byteLength: 3 }, { id: 'b', byteLength: 2 }] });
  assert.deepEqual([...frame.subarray(4 + headerLength)], [1, 2, 3, 9, 8]);
  const decoded = decodeBinaryFrame(frame);
  assert.ok(decoded.ok);
  assert.deepEqual([...decoded.value.images.get('a')!], [1, 2, 3]);
  assert.deepEqual([...decoded.value.images.get('b')!], [9, 8]);
});

test('decoding works on a view into a larger buffer (as ws hands out Buffers from a pool)', () => {
  const frame = encodeBinaryFrame({ type: 'x' }, new Map([['a', new Uint8Array([7])]]));
  const pool = new Uint8Array(frame.length + 10);
  pool.set(frame, 5);
  const decoded = decodeBinaryFrame(pool.subarray(5, 5 + frame.length));
  assert.ok(decoded.ok);
  assert.deepEqual([...decoded.value.images.get('a')!], [7]);
});

test('every truncation of a valid frame is rejected with bad-frame', () => {
  const frame = encodeBinaryFrame({ type: 'get-status' }, new Map([['a', new Uint8Array(20)]]));
  for (let length = 0; length < frame.length; length++) {
    const decoded = decodeBinaryFrame(frame.subarray(0, length));
    assert.equal(decoded.ok, false, `truncated to ${length}`);
    if (!decoded.ok) assert.equal(decoded.code, 'bad-frame');
  }
});

test('a text message over the size limit is too-large', () => {
  const text = JSON.stringify({ type: 'get-status', pad: 'x'.repeat(LIMITS.MAX_TEXT_MESSAGE_BYTES) });
  const parsed = parseClientFrame(text);
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.equal(parsed.code, 'too-large');
});

test('multi-byte text is measured in UTF-8 bytes', () => {
  const text = JSON.stringify({ type: 'get-status', pad: '€'.repeat(Math.ceil(LIMITS.MAX_TEXT_MESSAGE_BYTES / 3) + 1) });
  assert.ok(text.length < LIMITS.MAX_TEXT_MESSAGE_BYTES);
  const parsed = parseClientFrame(text);
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.equal(parsed.code, 'too-large');
});

test('image sniffing names PNG and JPEG and reads the PNG size', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0, 0, 0, 200]);
  assert.equal(sniffImageMime(png), 'image/png');
  assert.deepEqual(readPngSize(png), { width: 256, height: 200 });
  assert.equal(sniffImageMime(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
  assert.equal(sniffImageMime(new Uint8Array([0x47, 0x49, 0x46, 0x38])), null);
  assert.equal(readPngSize(png.subarray(0, 20)), null);
});

test('version check says which side to update', () => {
  assert.deepEqual(checkProtocolVersion(PROTOCOL_VERSION), { compatible: true });
  const older = checkProtocolVersion(PROTOCOL_VERSION - 1);
  assert.equal(older.compatible, false);
  if (!older.compatible) {
    assert.equal(older.update, 'plugin');
    assert.match(older.message, /Update the Atelier plugin/);
  }
  const newer = checkProtocolVersion(PROTOCOL_VERSION + 1);
  assert.equal(newer.compatible, false);
  if (!newer.compatible) {
    assert.equal(newer.update, 'daemon');
    assert.match(newer.message, /Update the Atelier daemon/);
  }
});
