/** A portable ONNX model writer: no protobuf dependency, no Node APIs. */
export * from './model.js';
export { encodeModel, tensorRawData } from './encode.js';
export { createGraphBuilder, attr, type AttributeValue, type GraphBuilder, type GraphBuilderOptions, type NodeOptions } from './graph-builder.js';
export { float32ToFloat16Bits, float16BitsToFloat32, toFloat16Array } from './float16.js';
export { ProtoWriter } from './protobuf.js';
