import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createScheduler,
  img2imgStartIndex,
  prepareImg2img,
  resolveSchedulerName,
  SCHEDULER_NAMES,
} from '../../../src/diffusion/schedulers/index.js';
import { SD15_CONFIG } from './fixtures.js';

describe('scheduler factory', () => {
  it('creates every named scheduler from a pack config', () => {
    for (const name of SCHEDULER_NAMES) {
      const s = createScheduler(name, SD15_CONFIG);
      assert.equal(s.name, name);
      s.setTimesteps(4);
      assert.equal(s.timesteps.length, 4);
    }
  });

  it('accepts A1111 sampler names and aliases', () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['Euler a', 'euler-ancestral', {}],
      ['k_euler_a', 'euler-ancestral', {}],
      ['Euler', 'euler', {}],
      ['DPM++ 2M', 'dpmpp-2m', {}],
      ['DPM++ 2M Karras', 'dpmpp-2m', { use_karras_sigmas: true }],
      ['k_dpmpp_2m_ka', 'dpmpp-2m', { use_karras_sigmas: true }],
      ['DPM++ 2M SDE Karras', 'dpmpp-2m', { algorithm_type: 'sde-dpmsolver++', use_karras_sigmas: true }],
      ['DDIM', 'ddim', {}],
      ['LCM', 'lcm', {}],
      ['  dpm++   2m  karras ', 'dpmpp-2m', { use_karras_sigmas: true }],
    ];
    for (const [sampler, name, overrides] of cases) assert.deepEqual(resolveSchedulerName(sampler), { name, overrides }, sampler);
    assert.deepEqual(resolveSchedulerName('DPM++ 2M', 'Karras'), { name: 'dpmpp-2m', overrides: { use_karras_sigmas: true } });
    assert.deepEqual(resolveSchedulerName('Euler', 'SGM Uniform'), { name: 'euler', overrides: { timestep_spacing: 'trailing' } });
    assert.throws(() => resolveSchedulerName('Heun'), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => resolveSchedulerName('Euler', 'Polyexponential'), { code: 'INVALID_ARGUMENT' });
  });

  it('lets the sampler name override the pack config', () => {
    const s = createScheduler('DPM++ 2M Karras', SD15_CONFIG);
    assert.equal(s.config.use_karras_sigmas, true);
    assert.equal(s.config.beta_schedule, 'scaled_linear');
  });
});

describe('img2img start point', () => {
  it('starts at steps − ⌊steps·strength⌋', () => {
    assert.equal(img2imgStartIndex(50, 0.75), 13);
    assert.equal(img2imgStartIndex(20, 0.5), 10);
    assert.equal(img2imgStartIndex(10, 1), 0);
    assert.equal(img2imgStartIndex(3, 0.3), 3);
    assert.throws(() => img2imgStartIndex(10, 1.5), { code: 'INVALID_ARGUMENT' });
  });

  it('noises and starts at the same timestep (721 for SD1.5 DDIM, 50 steps, 0.75)', () => {
    const s = createScheduler('DDIM', SD15_CONFIG);
    const plan = prepareImg2img(s, 50, 0.75);
    assert.equal(plan.startIndex, 13);
    assert.equal(plan.noiseTimestep, 721);
    assert.equal(plan.timesteps.length, 37);
    assert.equal(plan.timesteps[0], 721);
  });

  it('sets the begin index on σ-indexed schedulers', () => {
    const s = createScheduler('Euler', SD15_CONFIG) as ReturnType<typeof createScheduler> & { sigmas: Float64Array };
    const plan = prepareImg2img(s, 20, 0.6);
    assert.equal(plan.startIndex, 8);
    const noisy = s.addNoise(new Float32Array(1), Float32Array.of(1), plan.noiseTimestep);
    assert.ok(Math.abs(noisy[0] - s.sigmas[8]) < 1e-6);
  });

  it('passes strength into LCM timesteps instead of skipping', () => {
    const plan = prepareImg2img(createScheduler('LCM', SD15_CONFIG), 4, 0.5);
    assert.equal(plan.startIndex, 0);
    assert.deepEqual([...plan.timesteps], [499, 379, 259, 139]);
  });

  it('refuses a strength that leaves nothing to do', () => {
    assert.throws(() => prepareImg2img(createScheduler('Euler', SD15_CONFIG), 3, 0.2), { code: 'INVALID_ARGUMENT' });
  });
});
