import {
  DataType,
  encodeModel,
  rawBytes,
  type AttributeValue,
  type DataTypeValue,
  type NodeSpec,
  type TensorSpec,
  type ValueSpec,
} from './onnx-proto-writer.ts';
import { IR_VERSION, OPSET } from './limits.ts';

export const ints = (value: readonly number[]): AttributeValue => ({ kind: 'ints', value });
export const int = (value: number): AttributeValue => ({ kind: 'int', value });
export const float = (value: number): AttributeValue => ({ kind: 'float', value });

/** Accumulates nodes, constants and graph inputs/outputs with generated unique value names. */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorSpec[] = [];
  private readonly inputs: ValueSpec[] = [];
  private readonly outputs: ValueSpec[] = [];
  private readonly scalars = new Map<string, string>();
  private counter = 0;

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** One node with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, inputs, outputs: [out], attributes, name: out });
    return out;
  }

  /** One node with several outputs. */
  opMulti(opType: string, inputs: readonly string[], outputs: number, attributes?: Record<string, AttributeValue>): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ opType, inputs, outputs: names, attributes, name: names[0] });
    return names;
  }

  floatTensor(prefix: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, raw: rawBytes(data) });
    return name;
  }

  int64Tensor(prefix: string, values: readonly number[]): string {
    const name = this.fresh(prefix);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, raw: rawBytes(data) });
    return name;
  }

  /** A float32 scalar constant, shared between uses of the same value. */
  scalar(value: number): string {
    const key = `f${Math.fround(value)}`;
    let name = this.scalars.get(key);
    if (!name) {
      name = this.fresh('c');
      this.initializers.push({ name, dims: [], dataType: DataType.FLOAT, raw: rawBytes(Float32Array.of(value)) });
      this.scalars.set(key, name);
    }
    return name;
  }

  /** An int64 scalar constant (e.g. a Gather index). */
  indexScalar(value: number): string {
    const key = `i${value}`;
    let name = this.scalars.get(key);
    if (!name) {
      name = this.fresh('i');
      this.initializers.push({ name, dims: [], dataType: DataType.INT64, raw: rawBytes(BigInt64Array.of(BigInt(value))) });
      this.scalars.set(key, name);
    }
    return name;
  }

  input(name: string, shape: ReadonlyArray<number | string>, dataType: DataTypeValue = DataType.FLOAT): string {
    this.inputs.push({ name, shape, dataType });
    return name;
  }

  /** Exposes `value` as graph output `name` (through an Identity, so any value can be an output). */
  output(name: string, value: string, shape: ReadonlyArray<number | string>): void {
    this.op('Identity', [value], undefined, name);
    this.outputs.push({ name, shape, dataType: DataType.FLOAT });
  }

  encode(): Uint8Array {
    return encodeModel({
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      opset: OPSET,
      irVersion: IR_VERSION,
      producer: 'atelier',
    });
  }
}
