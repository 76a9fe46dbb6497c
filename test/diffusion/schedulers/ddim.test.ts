import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDdimScheduler } from '../../../src/diffusion/schedulers/ddim.js';
import type { SchedulerConfig } from '../../../src/diffusion/schedulers/scheduler.js';
import { createNoiseSource } from '../../../src/diffusion/random.js';
import { assertClose, dummyModel, dummyNoise, dummySample, meanAbs, SD15_CONFIG, sumAbs } from './fixtures.js';

/** diffusers test_scheduler_ddim.py: linear 1e-4..0.02, clip_sample, 10 steps, η = 0. */
function fullLoop(config: Partial<SchedulerConfig> = {}): Float32Array {
  const s = createDdimScheduler({ num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', clip_sample: true, ...config });
  s.setTimesteps(10);
  let x: Float32Array = dummySample();
  for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x).prevSample;
  return x;
}

describe('DDIM scheduler', () => {
  it('uses leading spacing with steps_offset for SD1.5', () => {
    const s = createDdimScheduler(SD15_CONFIG);
    s.setTimesteps(50);
    assert.equal(s.timesteps.length, 50);
    assert.deepEqual([...s.timesteps], Array.from({ length: 50 }, (_, i) => 981 - 20 * i));
    s.setTimesteps(5);
    assert.deepEqual([...s.timesteps], [801, 601, 401, 201, 1]);
    assert.equal(s.initNoiseSigma, 1);
  });

  it('rounds linspace points and subtracts one for trailing spacing', () => {
    const lin = createDdimScheduler({ ...SD15_CONFIG, timestep_spacing: 'linspace' });
    lin.setTimesteps(3);
    assert.deepEqual([...lin.timesteps], [999, 500, 0]);
    const trailing = createDdimScheduler({ ...SD15_CONFIG, timestep_spacing: 'trailing' });
    trailing.setTimesteps(4);
    assert.deepEqual([...trailing.timesteps], [999, 749, 499, 249]);
  });

  it('matches the diffusers deterministic loop sums', () => {
    const plain = fullLoop();
    assertClose(sumAbs(plain), 172.0067, 1e-2, 'sum');
    assertClose(meanAbs(plain), 0.223967, 1e-3, 'mean');
    const v = fullLoop({ prediction_type: 'v_prediction' });
    assertClose(sumAbs(v), 52.5302, 1e-2, 'v sum');
    assertClose(meanAbs(v), 0.0684, 1e-3, 'v mean');
    const one = fullLoop({ set_alpha_to_one: true, beta_start: 0.01 });
    assertClose(sumAbs(one), 149.8295, 1e-2, 'set_alpha_to_one sum');
    const notOne = fullLoop({ set_alpha_to_one: false, beta_start: 0.01 });
    assertClose(sumAbs(notOne), 149.0784, 1e-2, 'no set_alpha_to_one sum');
  });

  it('matches the diffusers add-noise loop (start index 8 of 10)', () => {
    const s = createDdimScheduler({ beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', clip_sample: true });
    s.setTimesteps(10);
    const timesteps = s.timesteps.slice(8);
    let x: Float32Array = s.addNoise(dummySample(), dummyNoise(), timesteps[0]);
    for (const t of timesteps) x = s.step(dummyModel(x, t), t, x).prevSample;
    assertClose(sumAbs(x), 354.5418, 1e-2, 'sum');
    assertClose(meanAbs(x), 0.4616, 1e-3, 'mean');
  });

  it('draws noise only when η > 0, deterministically per seed', () => {
    const run = (seed: number): Float32Array => {
      const s = createDdimScheduler(SD15_CONFIG, { eta: 1 });
      s.setTimesteps(4);
      const noise = createNoiseSource(seed);
      let x: Float32Array = dummySample();
      for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x, noise).prevSample;
      return x;
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
    const s = createDdimScheduler(SD15_CONFIG, { eta: 1 });
    s.setTimesteps(4);
    assert.throws(() => s.step(dummySample(), s.timesteps[0], dummySample()), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => createDdimScheduler(SD15_CONFIG, { eta: 2 }), { code: 'INVALID_ARGUMENT' });
  });

  it('refuses to step before setTimesteps and on mismatched lengths', () => {
    const s = createDdimScheduler(SD15_CONFIG);
    assert.throws(() => s.step(dummySample(), 1, dummySample()), { code: 'INVALID_ARGUMENT' });
    s.setTimesteps(5);
    assert.throws(() => s.step(new Float32Array(3), 1, dummySample()), { code: 'INVALID_ARGUMENT' });
  });
});
