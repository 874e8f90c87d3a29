/**
 * Reads back the parts of an ONNX ModelProto that the op-coverage test needs (the opset
 * imports and each node's op type, domain and output count), straight from the protobuf wire
 * format, so the test judges the bytes onnxruntime receives rather than the builder's own
 * bookkeeping. Field numbers from onnx/onnx.proto: ModelProto.graph = 7, opset_import = 8;
 * GraphProto.node = 1; NodeProto.output = 2, op_type = 4, domain = 7;
 * OperatorSetIdProto.domain = 1, version = 2.
 */
export interface ReadNode {
  opType: string;
  domain: string;
  outputs: number;
}

export interface ReadModel {
  opsets: Map<string, number>;
  nodes: ReadNode[];
}

interface Field {
  number: number;
  wire: number;
  /** Varint value (wire type 0). */
  value?: bigint;
  /** Length-delimited bytes (wire type 2). */
  bytes?: Uint8Array;
}

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new RangeError('truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { number, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new RangeError('truncated field');
      yield { number, wire, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new RangeError(`unsupported wire type ${wire}`);
  }
}

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array());

export function readOnnxModel(model: Uint8Array): ReadModel {
  const opsets = new Map<string, number>();
  const nodes: ReadNode[] = [];
  for (const f of fields(model)) {
    if (f.number === 8 && f.bytes) {
      let domain = '';
      let version = 0;
      for (const o of fields(f.bytes)) {
        if (o.number === 1) domain = text(o.bytes);
        if (o.number === 2) version = Number(o.value);
      }
      opsets.set(domain, version);
    }
    if (f.number === 7 && f.bytes) {
      for (const g of fields(f.bytes)) {
        if (g.number !== 1 || !g.bytes) continue;
        const node: ReadNode = { opType: '', domain: '', outputs: 0 };
        for (const n of fields(g.bytes)) {
          if (n.number === 2) node.outputs += 1;
          if (n.number === 4) node.opType = text(n.bytes);
          if (n.number === 7) node.domain = text(n.bytes);
        }
        nodes.push(node);
      }
    }
  }
  return { opsets, nodes };
}
