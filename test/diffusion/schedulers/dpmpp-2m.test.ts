import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDpmpp2mScheduler } from '../../../src/diffusion/schedulers/dpmpp-2m.js';
import type { Scheduler, SchedulerConfig } from '../../../src/diffusion/schedulers/scheduler.js';
import { createNoiseSource } from '../../../src/diffusion/random.js';
import { assertAllClose, assertClose, dummyModel, dummyNoise, dummySample, meanAbs, SD15_CONFIG, sumAbs } from './fixtures.js';

type WithSigmas = Scheduler & { sigmas: Float64Array };

/** diffusers test_scheduler_dpm_multi.py get_scheduler_config. */
const TEST_CONFIG: Partial<SchedulerConfig> = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  solver_order: 2,
  prediction_type: 'epsilon',
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: false,
  euler_at_final: false,
  lambda_min_clipped: Number.NEGATIVE_INFINITY,
  final_sigmas_type: 'sigma_min',
};

function fullLoop(config: Partial<SchedulerConfig> = {}): Float32Array {
  const s = createDpmpp2mScheduler({ ...TEST_CONFIG, ...config });
  s.setTimesteps(10);
  let x: Float32Array = dummySample();
  for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x).prevSample;
  return x;
}

describe('DPM++ 2M scheduler', () => {
  it('reproduces the SD1.5 Karras 20-step sigmas', () => {
    const s = createDpmpp2mScheduler({ ...SD15_CONFIG, use_karras_sigmas: true }) as WithSigmas;
    s.setTimesteps(20);
    assert.equal(s.sigmas.length, 21);
    assertAllClose(s.sigmas.slice(0, 3), [14.6147, 11.7254, 9.3402], 1e-4, 'head');
    assertAllClose(s.sigmas.slice(18), [0.0485, 0.0292, 0], 1e-4, 'tail');
    assert.equal(s.timesteps[0], 999);
    assert.equal(s.timesteps[19], 0);
    assert.equal(s.initNoiseSigma, 1);
  });

  it('spaces count + 1 points and drops the last (linspace default)', () => {
    const s = createDpmpp2mScheduler(SD15_CONFIG);
    s.setTimesteps(10);
    assert.deepEqual([...s.timesteps], [999, 899, 799, 699, 599, 500, 400, 300, 200, 100]);
  });

  it('matches the diffusers deterministic loop means', () => {
    assertClose(meanAbs(fullLoop()), 0.3301, 1e-3, 'epsilon');
    assertClose(meanAbs(fullLoop({ prediction_type: 'v_prediction' })), 0.2251, 1e-3, 'v_prediction');
    assertClose(meanAbs(fullLoop({ prediction_type: 'v_prediction', use_karras_sigmas: true })), 0.2096, 1e-3, 'v + Karras');
  });

  it('matches the diffusers add-noise loop (start index 5 of 10)', () => {
    const s = createDpmpp2mScheduler(TEST_CONFIG);
    s.setTimesteps(10);
    const timesteps = s.timesteps.slice(5);
    let x: Float32Array = s.addNoise(dummySample(), dummyNoise(), timesteps[0]);
    for (const t of timesteps) x = s.step(dummyModel(x, t), t, x).prevSample;
    assertClose(sumAbs(x), 318.4111, 1e-2, 'sum');
    assertClose(meanAbs(x), 0.4146, 1e-3, 'mean');
  });

  it('lands exactly on x0 when the final σ is zero', () => {
    const s = createDpmpp2mScheduler(SD15_CONFIG) as WithSigmas;
    s.setTimesteps(3);
    let x: Float32Array = dummySample();
    let last: Float32Array | undefined;
    for (const t of s.timesteps) {
      const out = s.step(dummyModel(x, t), t, x);
      x = out.prevSample;
      last = out.predOriginalSample;
    }
    assert.ok(last);
    assertAllClose(x, last, 1e-6, 'x = x0');
  });

  it('runs the SDE variant reproducibly from a seed', () => {
    const run = (seed: number): Float32Array => {
      const s = createDpmpp2mScheduler({ ...SD15_CONFIG, algorithm_type: 'sde-dpmsolver++', use_karras_sigmas: true });
      s.setTimesteps(8);
      const noise = createNoiseSource(seed);
      let x: Float32Array = dummySample();
      for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x, noise).prevSample;
      return x;
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
    assert.ok(run(3).every(Number.isFinite));
  });

  it('rejects algorithms it does not implement', () => {
    assert.throws(() => createDpmpp2mScheduler({ algorithm_type: 'dpmsolver' }), { code: 'MODEL_INVALID' });
  });
});
