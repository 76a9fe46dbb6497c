import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, createGraphBuilder, encodeModel, float16BitsToFloat32, float32ToFloat16Bits, ProtoWriter } from '../../src/onnx/index.js';
import { createOnnxSession } from '../../src/backends/onnx.js';

test('protobuf varints encode as the wire format specifies', () => {
  const w = new ProtoWriter();
  w.varint(1, 150); // the protobuf docs' example: 08 96 01
  w.varint(2, -1); // negative int64: ten bytes of two's complement
  assert.deepEqual([...w.finish()], [0x08, 0x96, 0x01, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
});

test('nested messages carry the right length prefix', () => {
  const w = new ProtoWriter();
  w.message(3, (m) => m.string(2, 'testing')); // 1a 09 12 07 "testing"
  assert.deepEqual([...w.finish()], [0x1a, 0x09, 0x12, 0x07, ...new TextEncoder().encode('testing')]);
});

test('float16 conversion rounds to nearest even and round-trips', () => {
  assert.equal(float32ToFloat16Bits(1), 0x3c00);
  assert.equal(float32ToFloat16Bits(-2), 0xc000);
  assert.equal(float32ToFloat16Bits(65504), 0x7bff);
  assert.equal(float32ToFloat16Bits(1e6), 0x7c00);
  assert.equal(float32ToFloat16Bits(2 ** -24), 0x0001);
  assert.equal(float32ToFloat16Bits(1 + 2 ** -11), 0x3c00); // a tie: rounds to even
  for (const v of [0.1, 3.14159, -7.5e-5, 1234.5]) {
    assert.ok(Math.abs(float16BitsToFloat32(float32ToFloat16Bits(v)) - v) <= Math.abs(v) * 2 ** -11);
  }
});

test('an Add graph with a dynamic dim runs in onnxruntime with known outputs', async () => {
  const g = createGraphBuilder({ name: 'add' });
  const x = g.input('x', 'float32', ['n', 3]);
  const b = g.initializer('b', 'float32', [3], [10, 20, 30]);
  g.output(g.node('Add', [x, b], {}, { outputs: ['y'] }), 'float32', ['n', 3]);
  const session = await createOnnxSession(g.encode());
  try {
    assert.deepEqual(session.inputs, [{ name: 'x', dataType: 'float32', shape: ['n', 3] }]);
    for (const n of [1, 4]) {
      const data = Float32Array.from({ length: n * 3 }, (_, i) => i);
      const { y } = await session.run({ x: { type: 'float32', data, dims: [n, 3] } });
      assert.deepEqual(y.dims, [n, 3]);
      assert.deepEqual([...y.data], Array.from(data, (v, i) => v + [10, 20, 30][i % 3]));
    }
  } finally {
    await session.dispose();
  }
});

test('a Conv graph with int/ints/float attributes computes a known convolution', async () => {
  const g = createGraphBuilder();
  const x = g.input('x', 'float32', [1, 1, 'h', 'w']);
  // 3x3 kernel that sums the neighbourhood, bias 0.5, zero padding.
  const w = g.initializer('w', 'float32', [1, 1, 3, 3], new Float32Array(9).fill(1));
  const bias = g.initializer('bias', 'float32', [1], [0.5]);
  const conv = g.node('Conv', [x, w, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 1 });
  const scaled = g.node('LeakyRelu', [conv], { alpha: attr.float(1) }); // identity: checks a float attr written as 1
  g.output(scaled, 'float32');
  const session = await createOnnxSession(g.encode(), { intraOpThreads: 1 });
  try {
    const { [scaled]: y } = await session.run({ x: { type: 'float32', data: new Float32Array(12).fill(1), dims: [1, 1, 3, 4] } });
    assert.deepEqual(y.dims, [1, 1, 3, 4]);
    assert.deepEqual([...y.data], [4, 6, 6, 4, 6, 9, 9, 6, 4, 6, 6, 4].map((v) => v + 0.5));
  } finally {
    await session.dispose();
  }
});

test('int64, int32 and float16 initializers and a tensor attribute load correctly', async () => {
  const g = createGraphBuilder();
  const x = g.input('x', 'float16', [2, 3]);
  const shape = g.initializer('shape', 'int64', [2], [3, -1]);
  const reshaped = g.node('Reshape', [x, shape]);
  const half = g.initializer('half', 'float16', [1], [0.5]);
  const mul = g.node('Mul', [reshaped, half]);
  const asFloat = g.node('Cast', [mul], { to: 1 });
  const offset = g.node('Constant', [], { value: { dataType: 'float32', dims: [1], data: [100] } });
  const sum = g.node('Add', [asFloat, offset]);
  const ints = g.initializer('ints', 'int32', [2], [7, -8]);
  const intsOut = g.node('Identity', [ints]);
  const ratio = g.node('Constant', [], { value_floats: [0.25, 4] });
  g.output(sum, 'float32', [3, 2]);
  g.output(intsOut, 'int32', [2]);
  g.output(ratio, 'float32', [2]);
  const bytes = encodeModel(g.model({ opsetImports: [{ domain: '', version: 17 }], metadata: { purpose: 'test' } }));
  const session = await createOnnxSession(bytes);
  try {
    const data = Uint16Array.from([1, 2, 3, 4, 5, 6], float32ToFloat16Bits);
    const out = await session.run({ x: { type: 'float16', data, dims: [2, 3] } });
    assert.deepEqual(out[sum].dims, [3, 2]);
    assert.deepEqual([...out[sum].data], [100.5, 101, 101.5, 102, 102.5, 103]);
    assert.deepEqual([...out[intsOut].data], [7, -8]);
    assert.deepEqual([...out[ratio].data], [0.25, 4]);
  } finally {
    await session.dispose();
  }
});

test('duplicate names are refused', () => {
  const g = createGraphBuilder();
  g.input('x', 'float32', [1]);
  assert.throws(() => g.initializer('x', 'float32', [1], [0]), /already used/);
});

test('a tensor whose data does not match its dims is refused', () => {
  const g = createGraphBuilder();
  g.initializer('w', 'float32', [2, 2], [1, 2, 3]);
  assert.throws(() => g.encode(), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /3 values/.test(e.message));
});
