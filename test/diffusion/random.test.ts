import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNoiseSource, createXoshiro128ss } from '../../src/diffusion/random.js';

describe('seeded noise source', () => {
  it('repeats exactly for a seed and differs across seeds', () => {
    const a = new Float32Array(1000);
    const b = new Float32Array(1000);
    const c = new Float32Array(1000);
    createNoiseSource(42).fill(a);
    createNoiseSource(42).fill(b);
    createNoiseSource(43).fill(c);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('implements xoshiro128** (reference output for state 1, 2, 3, 4)', () => {
    const next = createXoshiro128ss(1, 2, 3, 4);
    assert.deepEqual([next(), next(), next(), next(), next(), next()], [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    assert.throws(() => createXoshiro128ss(0, 0, 0, 0), { code: 'INVALID_ARGUMENT' });
  });

  it('pins the first values so the stream cannot drift silently', () => {
    const source = createNoiseSource(0);
    const first = [source.nextUniform(), source.nextUniform()];
    const again = createNoiseSource(0);
    assert.deepEqual([again.nextUniform(), again.nextUniform()], first);
    // Our own output, pinned as a regression guard (seed → latents must never change between releases).
    const expected = ['-0.659349', '-0.869835', '-0.077951', '0.870011'];
    const values = new Float32Array(4);
    createNoiseSource(1234).fill(values);
    assert.deepEqual([...values].map((v) => v.toFixed(6)), expected);
  });

  it('is standard normal in distribution', () => {
    const n = 200_000;
    const values = new Float32Array(n);
    createNoiseSource(7).fill(values);
    let sum = 0;
    let sq = 0;
    let within1 = 0;
    for (const v of values) {
      sum += v;
      sq += v * v;
      if (Math.abs(v) < 1) within1++;
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
    assert.ok(Math.abs(within1 / n - 0.6827) < 0.005, `P(|z|<1) ${within1 / n}`);
  });

  it('gives uniforms in [0, 1) and accepts large A1111 seeds', () => {
    const s = createNoiseSource(4_294_967_295);
    for (let i = 0; i < 1000; i++) {
      const u = s.nextUniform();
      assert.ok(u >= 0 && u < 1);
    }
    const hi = new Float32Array(8);
    const lo = new Float32Array(8);
    createNoiseSource(2 ** 40 + 5).fill(hi);
    createNoiseSource(5).fill(lo);
    assert.notDeepEqual(hi, lo);
  });

  it('rejects non-integer and negative seeds', () => {
    assert.throws(() => createNoiseSource(-1), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => createNoiseSource(1.5), { code: 'INVALID_ARGUMENT' });
  });
});
