import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLcmScheduler, lcmGuidanceEmbedding } from '../../../src/diffusion/schedulers/lcm.js';
import { createNoiseSource } from '../../../src/diffusion/random.js';
import { assertClose, dummyModel, dummySample, meanAbs, SD15_CONFIG, sumAbs } from './fixtures.js';

describe('LCM scheduler', () => {
  it('picks 999, 759, 499, 259 for 4 steps', () => {
    const s = createLcmScheduler(SD15_CONFIG);
    s.setTimesteps(4);
    assert.deepEqual([...s.timesteps], [999, 759, 499, 259]);
    assert.equal(s.initNoiseSigma, 1);
    assert.equal(s.strengthInTimesteps, true);
  });

  it('folds img2img strength into the candidate timesteps', () => {
    const s = createLcmScheduler(SD15_CONFIG);
    s.setTimesteps(4, { strength: 0.5 });
    // ⌊50·0.5⌋ = 25 candidates 499, 479, …, 19; positions ⌊i·25/4⌋ = 0, 6, 12, 18.
    assert.deepEqual([...s.timesteps], [499, 379, 259, 139]);
    assert.throws(() => s.setTimesteps(4, { strength: 0.05 }), { code: 'INVALID_ARGUMENT' });
  });

  it('matches the diffusers one-step loop (deterministic: the last step adds no noise)', () => {
    const s = createLcmScheduler({ num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' });
    s.setTimesteps(1);
    let x: Float32Array = dummySample();
    for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x).prevSample;
    assertClose(sumAbs(x), 18.7097, 1e-3, 'sum');
    assertClose(meanAbs(x), 0.0244, 1e-3, 'mean');
  });

  it('re-noises between steps and is reproducible per seed', () => {
    const run = (seed: number): Float32Array => {
      const s = createLcmScheduler(SD15_CONFIG);
      s.setTimesteps(4);
      const noise = createNoiseSource(seed);
      let x: Float32Array = dummySample();
      for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x, noise).prevSample;
      return x;
    };
    assert.deepEqual(run(5), run(5));
    assert.notDeepEqual(run(5), run(6));
    const s = createLcmScheduler(SD15_CONFIG);
    s.setTimesteps(4);
    assert.throws(() => s.step(dummySample(), 999, dummySample()), { code: 'INVALID_ARGUMENT' });
  });

  it('builds the guidance embedding as sines then cosines of w·freq', () => {
    const emb = lcmGuidanceEmbedding(8.5, 256);
    assert.equal(emb.length, 256);
    const w = 7.5 * 1000;
    assertClose(emb[0], Math.sin(w), 1e-6, 'sin, freq 1');
    assertClose(emb[128], Math.cos(w), 1e-6, 'cos, freq 1');
    const lowest = Math.exp(-Math.log(10000));
    assertClose(emb[127], Math.sin(w * lowest), 1e-4, 'sin, freq 1e-4');
    assert.deepEqual([...lcmGuidanceEmbedding(1, 4)], [0, 0, 1, 1]);
  });
});
