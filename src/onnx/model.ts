/**
 * Plain-object description of an ONNX model (the subset of onnx.proto that anime-me writes).
 * Build it by hand or with `createGraphBuilder`, then turn it into bytes with `encodeModel`.
 */

/** Element types, named as onnxruntime's JS tensors name them. */
export const ONNX_DATA_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
} as const;
export type OnnxDataType = keyof typeof ONNX_DATA_TYPES;

/** A dimension: a fixed size, or a name for a dynamic one (same name = same size). */
export type Dim = number | string;

/**
 * A constant tensor. `data` holds the values in row-major order:
 * - float32: Float32Array or number[];
 * - float16: Uint16Array of IEEE half bits, or Float32Array/number[] (converted, round to nearest even);
 * - int64: BigInt64Array, or number[] of safe integers;
 * - int32 / uint8 / int8 / bool / float64 etc.: the matching typed array or number[].
 */
export interface TensorDef {
  name?: string;
  dataType: OnnxDataType;
  dims: readonly number[];
  data: ArrayLike<number> | BigInt64Array | BigUint64Array;
}

export type AttributeDef =
  | { type: 'int'; value: number | bigint }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string | Uint8Array }
  | { type: 'tensor'; value: TensorDef }
  | { type: 'graph'; value: GraphDef }
  | { type: 'ints'; value: ReadonlyArray<number | bigint> }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] };

export interface NodeDef {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: Readonly<Record<string, AttributeDef>>;
  docString?: string;
}

export interface ValueInfoDef {
  name: string;
  dataType: OnnxDataType;
  /** Omit for a tensor of unknown rank. */
  shape?: readonly Dim[];
  docString?: string;
}

export interface GraphDef {
  name: string;
  nodes: readonly NodeDef[];
  inputs: readonly ValueInfoDef[];
  outputs: readonly ValueInfoDef[];
  initializers?: readonly TensorDef[];
  valueInfo?: readonly ValueInfoDef[];
  docString?: string;
}

export interface OpsetImport {
  /** '' is the default ONNX domain. */
  domain: string;
  version: number;
}

export interface ModelDef {
  graph: GraphDef;
  /** IR version; 8 (ONNX 1.10+) unless told otherwise. */
  irVersion?: number;
  opsetImports?: readonly OpsetImport[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

export const DEFAULT_IR_VERSION = 8;
export const DEFAULT_OPSET = 17;
