import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEulerAncestralScheduler } from '../../../src/diffusion/schedulers/euler-ancestral.js';
import { createEulerScheduler } from '../../../src/diffusion/schedulers/euler.js';
import type { NoiseSource, Scheduler } from '../../../src/diffusion/schedulers/scheduler.js';
import { createNoiseSource } from '../../../src/diffusion/random.js';
import { assertAllClose, assertClose, dummyModel, dummySample, SD15_CONFIG } from './fixtures.js';

type WithSigmas = Scheduler & { sigmas: Float64Array };

const zeros: NoiseSource = { fill: (out) => out.fill(0) };
const ones: NoiseSource = { fill: (out) => out.fill(1) };

// diffusers' ancestral loop draws torch RNG noise, so there is no reference sum to match; these
// tests pin the update rule itself.
describe('Euler ancestral scheduler', () => {
  it('shares the Euler schedule', () => {
    const a = createEulerAncestralScheduler(SD15_CONFIG) as WithSigmas;
    const e = createEulerScheduler(SD15_CONFIG) as WithSigmas;
    a.setTimesteps(20);
    e.setTimesteps(20);
    assert.deepEqual([...a.timesteps], [...e.timesteps]);
    assert.deepEqual([...a.sigmas], [...e.sigmas]);
    assert.equal(a.initNoiseSigma, e.initNoiseSigma);
  });

  it('moves to σ_down and adds σ_up of noise, with σ_down² + σ_up² = σ_next²', () => {
    const s = createEulerAncestralScheduler(SD15_CONFIG) as WithSigmas;
    s.setTimesteps(10);
    const sigma = s.sigmas[0];
    const next = s.sigmas[1];
    const up = Math.sqrt((next ** 2 * (sigma ** 2 - next ** 2)) / sigma ** 2);
    const down = Math.sqrt(next ** 2 - up ** 2);
    const x = Float32Array.of(3, -1);
    const eps = Float32Array.of(0.2, 0.4);
    const quiet = s.step(eps, s.timesteps[0], x, zeros).prevSample;
    assertAllClose(quiet, [3 + 0.2 * (down - sigma), -1 + 0.4 * (down - sigma)], 1e-5, 'deterministic part');

    const t = createEulerAncestralScheduler(SD15_CONFIG);
    t.setTimesteps(10);
    const noisy = t.step(eps, t.timesteps[0], x, ones).prevSample;
    assertClose(noisy[0] - quiet[0], up, 1e-5, 'σ_up');
  });

  it('is reproducible per seed and needs no noise on the last step', () => {
    const run = (seed: number): Float32Array => {
      const s = createEulerAncestralScheduler(SD15_CONFIG);
      s.setTimesteps(6);
      const noise = createNoiseSource(seed);
      let x: Float32Array = dummySample().map((v) => v * s.initNoiseSigma);
      for (const t of s.timesteps) {
        const input = s.scaleModelInput(x, t);
        x = s.step(dummyModel(input, t), t, x, noise).prevSample;
      }
      return x;
    };
    assert.deepEqual(run(1), run(1));
    assert.notDeepEqual(run(1), run(2));

    const s = createEulerAncestralScheduler(SD15_CONFIG);
    s.setTimesteps(3);
    assert.throws(() => s.step(dummySample(), s.timesteps[0], dummySample()), { code: 'INVALID_ARGUMENT' });
    const last = createEulerAncestralScheduler(SD15_CONFIG);
    last.setTimesteps(3);
    last.setBeginIndex(2);
    assert.doesNotThrow(() => last.step(dummySample(), last.timesteps[2], dummySample()));
  });
});
