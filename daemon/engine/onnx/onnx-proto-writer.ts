/**
 * A minimal protobuf encoder for the ONNX messages the loss graph needs (field numbers from
 * onnx/onnx.proto). No protobuf package ships with onnxruntime-node, and ONNX's messages are
 * few and simple: messages are built as lists of byte chunks so ~100 MB of weights are copied
 * once, into the final buffer.
 */

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'string'; value: string };

export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface TensorSpec {
  name: string;
  dims: readonly number[];
  dataType: DataTypeValue;
  /** Little-endian raw bytes (Float32Array / BigInt64Array views are fine on little-endian hosts). */
  raw: Uint8Array;
}

/** A graph input or output: a dimension is a size, or a name for a dynamic axis. */
export interface ValueSpec {
  name: string;
  dataType: DataTypeValue;
  shape: ReadonlyArray<number | string>;
}

export interface ModelSpec {
  nodes: readonly NodeSpec[];
  initializers: readonly TensorSpec[];
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  opset: number;
  irVersion: number;
  producer: string;
}

/** A message under construction: byte chunks and their total length. */
class Message {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.byteLength;
  }

  private tag(field: number, wireType: number): void {
    this.push(varint(BigInt(field * 8 + wireType)));
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    // Negative int64s are written as their 64-bit two's complement, as protobuf requires.
    this.push(varint(BigInt.asUintN(64, BigInt(value))));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.push(varint(BigInt(value.byteLength)));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, m: Message): this {
    this.tag(field, 2);
    this.push(varint(BigInt(m.length)));
    for (const c of m.chunks) this.push(c);
    return this;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  }
}

function varint(v: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = v;
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0n);
  return Uint8Array.from(bytes);
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

function attribute(name: string, a: AttributeValue): Message {
  const m = new Message().string(1, name).int(20, ATTRIBUTE_TYPE[a.kind]);
  switch (a.kind) {
    case 'float':
      return m.float(2, a.value);
    case 'int':
      return m.int(3, a.value);
    case 'string':
      return m.string(4, a.value);
    case 'ints':
      // Unpacked, as onnx's own serializer writes repeated int64 attributes.
      for (const v of a.value) m.int(8, v);
      return m;
  }
}

function node(n: NodeSpec): Message {
  const m = new Message();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  if (n.name) m.string(3, n.name);
  m.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes ?? {})) m.message(5, attribute(name, a));
  return m;
}

function tensor(t: TensorSpec): Message {
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  return m.int(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

function valueInfo(v: ValueSpec): Message {
  const shape = new Message();
  for (const d of v.shape) {
    shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, v.dataType).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

/** Serialises a ModelProto with one graph in the default ONNX domain. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const graph = new Message();
  for (const n of spec.nodes) graph.message(1, node(n));
  graph.string(2, 'atelier');
  for (const t of spec.initializers) graph.message(5, tensor(t));
  for (const v of spec.inputs) graph.message(11, valueInfo(v));
  for (const v of spec.outputs) graph.message(12, valueInfo(v));
  return new Message()
    .int(1, spec.irVersion)
    .string(2, spec.producer)
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, spec.opset))
    .toBytes();
}

/** Raw little-endian bytes of typed data, for initializers. */
export function rawBytes(data: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
