import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEulerScheduler } from '../../../src/diffusion/schedulers/euler.js';
import type { Scheduler, SchedulerConfig } from '../../../src/diffusion/schedulers/scheduler.js';
import { assertAllClose, assertClose, dummyModel, dummyNoise, dummySample, meanAbs, SD15_CONFIG, sumAbs } from './fixtures.js';

const TEST_CONFIG = { num_train_timesteps: 1100, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' } as const;

type WithSigmas = Scheduler & { sigmas: Float64Array };

/** diffusers test_scheduler_euler.py: start from x·init_noise_sigma; the scaled sample is what gets stepped. */
function fullLoop(config: Partial<SchedulerConfig> = {}): Float32Array {
  const s = createEulerScheduler({ ...TEST_CONFIG, ...config });
  s.setTimesteps(10);
  let x: Float32Array = dummySample().map((v) => v * s.initNoiseSigma);
  for (const t of s.timesteps) {
    x = s.scaleModelInput(x, t);
    x = s.step(dummyModel(x, t), t, x).prevSample;
  }
  return x;
}

describe('Euler scheduler', () => {
  it('reproduces the SD1.5 20-step timesteps and sigmas (linspace, the Euler default)', () => {
    const s = createEulerScheduler(SD15_CONFIG) as WithSigmas;
    s.setTimesteps(20);
    assertAllClose(s.timesteps.slice(0, 3), [999, 946.42, 893.84], 5e-3, 'timesteps');
    assert.equal(s.timesteps[19], 0);
    assertAllClose(s.sigmas.slice(0, 3), [14.6147, 10.7469, 8.0815], 1e-4, 'sigmas');
    assertClose(s.sigmas[19], 0.0291675, 1e-6, 'σ at t=0');
    assert.equal(s.sigmas[20], 0);
    assertClose(s.initNoiseSigma, 14.6146555, 1e-5, 'init_noise_sigma (linspace)');
  });

  it('uses √(σ_max² + 1) = 14.6488 as init_noise_sigma for leading spacing', () => {
    const s = createEulerScheduler({ ...SD15_CONFIG, timestep_spacing: 'leading' }) as WithSigmas;
    // Before setTimesteps the training table is in force, so σ_max is the full 14.6146.
    assertClose(s.initNoiseSigma, 14.6488, 1e-4, 'init_noise_sigma');
    s.setTimesteps(20);
    assert.deepEqual([...s.timesteps.slice(0, 3)], [951, 901, 851]);
    assertClose(s.initNoiseSigma, Math.sqrt(s.sigmas[0] ** 2 + 1), 1e-12, 'after setTimesteps');
  });

  it('matches the diffusers deterministic loop sums', () => {
    const plain = fullLoop();
    assertClose(sumAbs(plain), 10.0807, 1e-2, 'sum');
    assertClose(meanAbs(plain), 0.0131, 1e-3, 'mean');
    const karras = fullLoop({ use_karras_sigmas: true });
    assertClose(sumAbs(karras), 124.52299499511719, 1e-2, 'Karras sum');
    assertClose(meanAbs(karras), 0.16213932633399963, 1e-3, 'Karras mean');
    const v = fullLoop({ prediction_type: 'v_prediction' });
    assertClose(sumAbs(v), 0.0002, 1e-2, 'v sum');
  });

  it('matches the diffusers add-noise loop (start index 8 of 10)', () => {
    const s = createEulerScheduler(TEST_CONFIG);
    s.setTimesteps(10);
    let x: Float32Array = dummySample().map((v) => v * s.initNoiseSigma);
    const timesteps = s.timesteps.slice(8);
    x = s.addNoise(x, dummyNoise(), timesteps[0]);
    for (const t of timesteps) {
      x = s.scaleModelInput(x, t);
      x = s.step(dummyModel(x, t), t, x).prevSample;
    }
    // diffusers asserts 57062.9297 ± 1e-2 on a float32 torch run; our float64 scalars land 3e-3 away.
    assertClose(sumAbs(x), 57062.9297, 1e-2, 'sum');
    assertClose(meanAbs(x), 74.3007, 1e-3, 'mean');
  });

  it('indexes sigmas from the begin index for img2img', () => {
    const s = createEulerScheduler(SD15_CONFIG) as WithSigmas;
    s.setTimesteps(10);
    s.setBeginIndex(3);
    const clean = new Float32Array(4).fill(1);
    const noise = new Float32Array(4).fill(2);
    const noisy = s.addNoise(clean, noise, s.timesteps[3]);
    assertClose(noisy[0], 1 + 2 * s.sigmas[3], 1e-5, 'x + σ·noise');
    const scaled = s.scaleModelInput(noisy, s.timesteps[3]);
    assertClose(scaled[0], noisy[0] / Math.sqrt(s.sigmas[3] ** 2 + 1), 1e-5, 'scaled input');
    assert.throws(() => s.setBeginIndex(10), { code: 'INVALID_ARGUMENT' });
  });

  it('steps exactly to x0 on the final step (σ_next = 0)', () => {
    const s = createEulerScheduler(SD15_CONFIG) as WithSigmas;
    s.setTimesteps(2);
    s.setBeginIndex(1);
    const x = Float32Array.of(1, -2, 3);
    const eps = Float32Array.of(0.5, 0.25, -1);
    const out = s.step(eps, s.timesteps[1], x);
    const sigma = s.sigmas[1];
    assertAllClose(out.prevSample, [1 - sigma * 0.5, -2 - sigma * 0.25, 3 + sigma], 1e-6, 'x0');
  });
});

describe('Euler scheduler bounds', () => {
  it('refuses to step past the end of the schedule', () => {
    const s = createEulerScheduler(SD15_CONFIG);
    s.setTimesteps(1);
    const x = Float32Array.of(1);
    s.step(x, s.timesteps[0], x);
    assert.throws(() => s.step(x, s.timesteps[0], x), { code: 'INVALID_ARGUMENT' });
  });
});
