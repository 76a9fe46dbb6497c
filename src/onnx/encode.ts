/**
 * ModelDef → ONNX protobuf bytes. Field numbers follow onnx/onnx.proto (IR version 8+). Numeric
 * tensor payloads always go into `raw_data` (little-endian), which every runtime reads.
 */
import { AnimeMeError } from '../errors.js';
import { toFloat16Array } from './float16.js';
import {
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET,
  ONNX_DATA_TYPES,
  type AttributeDef,
  type GraphDef,
  type ModelDef,
  type NodeDef,
  type TensorDef,
  type ValueInfoDef,
} from './model.js';
import { ProtoWriter } from './protobuf.js';

// AttributeProto.AttributeType
const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8 } as const;

const textEncoder = new TextEncoder();
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function invalidModel(message: string): AnimeMeError {
  return new AnimeMeError('INVALID_ARGUMENT', `Invalid ONNX model definition: ${message}`);
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function toBigInt(value: number | bigint, tensor: TensorDef): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw invalidModel(`tensor ${tensor.name ?? '(unnamed)'} holds ${value}, not a 64-bit integer`);
  return BigInt(value);
}

/** The little-endian bytes of a tensor's values. */
export function tensorRawData(tensor: TensorDef): Uint8Array {
  const { dataType, data } = tensor;
  const expected = tensor.dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw invalidModel(`tensor ${tensor.name ?? '(unnamed)'} has ${data.length} values but dims [${tensor.dims.join(', ')}] need ${expected}`);
  }
  if (!littleEndian) throw new AnimeMeError('INTERNAL', 'ONNX writing needs a little-endian platform');
  const numbers = data as ArrayLike<number>;
  switch (dataType) {
    case 'float32':
      return bytesOf(data instanceof Float32Array ? data : Float32Array.from(numbers));
    case 'float64':
      return bytesOf(data instanceof Float64Array ? data : Float64Array.from(numbers));
    case 'float16':
    case 'bfloat16':
      if (data instanceof Uint16Array) return bytesOf(data);
      if (dataType === 'bfloat16') throw invalidModel('bfloat16 data must be given as Uint16Array bits');
      return bytesOf(toFloat16Array(numbers));
    case 'int64':
      if (data instanceof BigInt64Array) return bytesOf(data);
      return bytesOf(BigInt64Array.from(Array.from(data as ArrayLike<number | bigint>, (v) => toBigInt(v, tensor))));
    case 'uint64':
      if (data instanceof BigUint64Array) return bytesOf(data);
      return bytesOf(BigUint64Array.from(Array.from(data as ArrayLike<number | bigint>, (v) => toBigInt(v, tensor))));
    case 'int32':
      return bytesOf(data instanceof Int32Array ? data : Int32Array.from(numbers));
    case 'uint32':
      return bytesOf(data instanceof Uint32Array ? data : Uint32Array.from(numbers));
    case 'int16':
      return bytesOf(data instanceof Int16Array ? data : Int16Array.from(numbers));
    case 'uint16':
      return bytesOf(data instanceof Uint16Array ? data : Uint16Array.from(numbers));
    case 'int8':
      return bytesOf(data instanceof Int8Array ? data : Int8Array.from(numbers));
    case 'uint8':
    case 'bool':
      return data instanceof Uint8Array ? data : Uint8Array.from(numbers, (v) => (dataType === 'bool' ? (v ? 1 : 0) : v));
    case 'string':
      throw invalidModel('string tensors are not supported');
  }
}

function writeTensor(w: ProtoWriter, tensor: TensorDef): void {
  w.packedVarints(1, tensor.dims);
  w.varint(2, ONNX_DATA_TYPES[tensor.dataType]);
  if (tensor.name) w.string(8, tensor.name);
  w.bytes(9, tensorRawData(tensor));
}

function writeAttribute(w: ProtoWriter, name: string, attr: AttributeDef): void {
  w.string(1, name);
  w.varint(20, ATTRIBUTE_TYPES[attr.type]);
  switch (attr.type) {
    case 'float':
      w.float(2, attr.value);
      break;
    case 'int':
      w.varint(3, attr.value);
      break;
    case 'string':
      w.bytes(4, typeof attr.value === 'string' ? textEncoder.encode(attr.value) : attr.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, attr.value));
      break;
    case 'graph':
      w.message(6, (g) => writeGraph(g, attr.value));
      break;
    case 'floats':
      w.packedFloats(7, attr.value);
      break;
    case 'ints':
      w.packedVarints(8, attr.value);
      break;
    case 'strings':
      for (const s of attr.value) w.string(9, s);
      break;
  }
}

function writeNode(w: ProtoWriter, node: NodeDef): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  if (node.name) w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, attr] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, attr));
  if (node.docString) w.string(6, node.docString);
  if (node.domain) w.string(7, node.domain);
}

function writeValueInfo(w: ProtoWriter, info: ValueInfoDef): void {
  w.string(1, info.name);
  // TypeProto { tensor_type = 1: TypeProto.Tensor { elem_type = 1, shape = 2 } }
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.varint(1, ONNX_DATA_TYPES[info.dataType]);
      if (info.shape) {
        tensorType.message(2, (shape) => {
          for (const dim of info.shape!) {
            // TensorShapeProto.Dimension { dim_value = 1, dim_param = 2 }
            shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
          }
        });
      }
    }),
  );
  if (info.docString) w.string(3, info.docString);
}

function writeGraph(w: ProtoWriter, graph: GraphDef): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers ?? []) {
    if (!tensor.name) throw invalidModel('every initializer needs a name');
    w.message(5, (t) => writeTensor(t, tensor));
  }
  if (graph.docString) w.string(10, graph.docString);
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
  for (const info of graph.valueInfo ?? []) w.message(13, (v) => writeValueInfo(v, info));
}

/** Serialise a model to the ONNX binary format (what `.onnx` files hold). */
export function encodeModel(model: ModelDef): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, model.irVersion ?? DEFAULT_IR_VERSION);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  if (model.domain) w.string(4, model.domain);
  if (model.modelVersion !== undefined) w.varint(5, model.modelVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  const opsets = model.opsetImports ?? [{ domain: '', version: DEFAULT_OPSET }];
  for (const opset of opsets) {
    w.message(8, (o) => {
      if (opset.domain) o.string(1, opset.domain);
      o.varint(2, opset.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}
