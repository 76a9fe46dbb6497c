/**
 * A small imperative builder for ONNX graphs: declare inputs, add initializers and nodes (each call
 * returns the output name to wire into the next), declare outputs, then `encode()`.
 */
import { AnimeMeError } from '../errors.js';
import { encodeModel } from './encode.js';
import type { AttributeDef, Dim, GraphDef, ModelDef, NodeDef, OnnxDataType, TensorDef, ValueInfoDef } from './model.js';

/**
 * Attribute values are typed from their JS value: integer → int, other number → float, string,
 * integer array → ints, number array → floats, string array, TensorDef → tensor. Use `attr.*` where
 * that guess is wrong (e.g. a float attribute whose value happens to be 1).
 */
export type AttributeValue =
  | number
  | bigint
  | string
  | readonly number[]
  | readonly bigint[]
  | readonly string[]
  | TensorDef
  | AttributeDef;

export const attr = {
  int: (value: number | bigint): AttributeDef => ({ type: 'int', value }),
  float: (value: number): AttributeDef => ({ type: 'float', value }),
  string: (value: string): AttributeDef => ({ type: 'string', value }),
  ints: (value: ReadonlyArray<number | bigint>): AttributeDef => ({ type: 'ints', value }),
  floats: (value: readonly number[]): AttributeDef => ({ type: 'floats', value }),
  strings: (value: readonly string[]): AttributeDef => ({ type: 'strings', value }),
  tensor: (value: TensorDef): AttributeDef => ({ type: 'tensor', value }),
  graph: (value: GraphDef): AttributeDef => ({ type: 'graph', value }),
};

function isAttributeDef(value: object): value is AttributeDef {
  return 'type' in value && 'value' in value;
}

function toAttribute(name: string, value: AttributeValue): AttributeDef {
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'int', value } : { type: 'float', value };
  if (typeof value === 'bigint') return { type: 'int', value };
  if (typeof value === 'string') return { type: 'string', value };
  if (Array.isArray(value)) {
    if (value.length === 0) throw new AnimeMeError('INVALID_ARGUMENT', `Attribute ${name} is an empty array; use attr.ints([]) or attr.floats([])`);
    if (value.every((v) => typeof v === 'string')) return { type: 'strings', value: value as string[] };
    if (value.every((v) => typeof v === 'bigint' || Number.isInteger(v))) return { type: 'ints', value: value as number[] };
    return { type: 'floats', value: value as number[] };
  }
  const object = value as TensorDef | AttributeDef;
  if (isAttributeDef(object)) return object;
  return { type: 'tensor', value: object };
}

export interface NodeOptions {
  /** Output count (names are generated) or explicit output names. Default 1. */
  outputs?: number | readonly string[];
  name?: string;
  domain?: string;
}

export interface GraphBuilderOptions {
  name?: string;
}

export interface GraphBuilder {
  /** Declare a graph input; returns its name. Use strings in `shape` for dynamic dimensions. */
  input(name: string, dataType: OnnxDataType, shape?: readonly Dim[]): string;
  /** Add a constant tensor (weights); returns its name. */
  initializer(name: string, dataType: OnnxDataType, dims: readonly number[], data: TensorDef['data']): string;
  /** Add a node; returns its first output's name. */
  node(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>, options?: NodeOptions): string;
  /** Add a node with several outputs; returns all output names. */
  nodeOutputs(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttributeValue>>, options?: NodeOptions): string[];
  /** Declare `value` (a node output, input or initializer name) as a graph output. */
  output(value: string, dataType: OnnxDataType, shape?: readonly Dim[]): void;
  /** A fresh name with the given prefix, unique within this graph. */
  uniqueName(prefix: string): string;
  graph(): GraphDef;
  model(options?: Omit<ModelDef, 'graph'>): ModelDef;
  encode(options?: Omit<ModelDef, 'graph'>): Uint8Array;
}

export function createGraphBuilder(options: GraphBuilderOptions = {}): GraphBuilder {
  const nodes: NodeDef[] = [];
  const inputs: ValueInfoDef[] = [];
  const outputs: ValueInfoDef[] = [];
  const initializers: TensorDef[] = [];
  const used = new Set<string>();
  const counters = new Map<string, number>();

  const claim = (name: string): string => {
    if (used.has(name)) throw new AnimeMeError('INVALID_ARGUMENT', `ONNX graph name ${JSON.stringify(name)} is already used`);
    used.add(name);
    return name;
  };

  const uniqueName = (prefix: string): string => {
    let n = counters.get(prefix) ?? 0;
    let name: string;
    do name = `${prefix}_${n++}`;
    while (used.has(name));
    counters.set(prefix, n);
    used.add(name);
    return name;
  };

  const nodeOutputs: GraphBuilder['nodeOutputs'] = (opType, nodeInputs, attributes = {}, nodeOptions = {}) => {
    const requested = nodeOptions.outputs ?? 1;
    const names = typeof requested === 'number' ? Array.from({ length: requested }, () => uniqueName(opType.toLowerCase())) : requested.map(claim);
    const attributeDefs: Record<string, AttributeDef> = {};
    for (const [key, value] of Object.entries(attributes)) attributeDefs[key] = toAttribute(key, value);
    nodes.push({
      opType,
      inputs: [...nodeInputs],
      outputs: names,
      name: nodeOptions.name ?? `${names[0]}_node`,
      domain: nodeOptions.domain,
      attributes: attributeDefs,
    });
    return names;
  };

  const graph = (): GraphDef => ({
    name: options.name ?? 'graph',
    nodes: [...nodes],
    inputs: [...inputs],
    outputs: [...outputs],
    initializers: [...initializers],
  });

  const model = (modelOptions: Omit<ModelDef, 'graph'> = {}): ModelDef => ({ producerName: 'anime-me', ...modelOptions, graph: graph() });

  return {
    input(name, dataType, shape) {
      inputs.push({ name: claim(name), dataType, shape });
      return name;
    },
    initializer(name, dataType, dims, data) {
      initializers.push({ name: claim(name), dataType, dims: [...dims], data });
      return name;
    },
    node: (opType, nodeInputs, attributes, nodeOptions) => nodeOutputs(opType, nodeInputs, attributes, nodeOptions)[0],
    nodeOutputs,
    output(value, dataType, shape) {
      outputs.push({ name: value, dataType, shape });
    },
    uniqueName,
    graph,
    model,
    encode: (modelOptions) => encodeModel(model(modelOptions)),
  };
}
