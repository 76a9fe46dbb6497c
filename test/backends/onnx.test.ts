import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOnnxSession, executionProvidersFor, isCudaProviderInstalled, listExecutionProviders } from '../../src/backends/onnx.js';
import { createGraphBuilder } from '../../src/onnx/index.js';

function reluModel(): Uint8Array {
  const g = createGraphBuilder();
  const x = g.input('x', 'float32', ['n']);
  g.output(g.node('Relu', [x], {}, { outputs: ['y'] }), 'float32', ['n']);
  return g.encode();
}

const hasCode = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

test('cpu is always the last resort and the default', () => {
  assert.ok(listExecutionProviders().some((p) => p.name === 'cpu' && p.bundled));
  assert.deepEqual(executionProvidersFor('cpu'), ['cpu']);
  assert.equal(executionProvidersFor('auto').at(-1), 'cpu');
  assert.equal(executionProvidersFor('cuda').includes('cuda'), isCudaProviderInstalled());
});

test('a session loads from bytes and from a path, with metadata and thread options', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anime-me-onnx-'));
  try {
    const path = join(dir, 'relu.onnx');
    writeFileSync(path, reluModel());
    for (const model of [reluModel(), path]) {
      const session = await createOnnxSession(model, { intraOpThreads: 1, interOpThreads: 1, allowSpinning: false });
      assert.deepEqual(session.inputs, [{ name: 'x', dataType: 'float32', shape: ['n'] }]);
      assert.deepEqual(session.outputs, [{ name: 'y', dataType: 'float32', shape: ['n'] }]);
      assert.deepEqual(session.executionProviders, ['cpu']);
      const { y } = await session.run({ x: { type: 'float32', data: Float32Array.from([-1, 2, -3]), dims: [3] } });
      assert.deepEqual([...y.data], [0, 2, 0]);
      await session.dispose();
      await session.dispose(); // idempotent
      await assert.rejects(session.run({ x: { type: 'float32', data: new Float32Array(1), dims: [1] } }), /disposed/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clear errors: missing file, corrupt bytes, bad options, wrong feeds', async () => {
  await assert.rejects(createOnnxSession('/nonexistent/model.onnx'), hasCode('MODEL_MISSING'));
  await assert.rejects(createOnnxSession(new Uint8Array([1, 2, 3, 4, 5])), hasCode('MODEL_INVALID'));
  await assert.rejects(createOnnxSession(new Uint8Array(0)), hasCode('INVALID_ARGUMENT'));
  await assert.rejects(createOnnxSession(reluModel(), { intraOpThreads: 0 }), /Expected integer between 1 and 256 for intraOpThreads but received 0 of type number/);
  await assert.rejects(createOnnxSession(reluModel(), { device: 'tpu' as never }), hasCode('INVALID_ARGUMENT'));
  await assert.rejects(createOnnxSession(reluModel(), { allowSpinning: 'no' as never }), /Expected a boolean for allowSpinning/);
  if (!isCudaProviderInstalled()) {
    await assert.rejects(createOnnxSession(reluModel(), { device: 'cuda' }), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /cuda/i.test(e.message));
  }
  const auto = await createOnnxSession(reluModel(), { device: 'auto' });
  assert.ok(auto.executionProviders.includes('cpu'));
  await assert.rejects(auto.run({ z: { type: 'float32', data: new Float32Array(1), dims: [1] } }), hasCode('INVALID_ARGUMENT'));
  await assert.rejects(auto.run({ x: { type: 'int32', data: new Int32Array(1), dims: [1] } }), hasCode('INTERNAL'));
  await auto.dispose();
});
