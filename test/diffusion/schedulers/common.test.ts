import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alphasCumprod,
  karrasSigmas,
  roundHalfEven,
  sigmaToTimestep,
  spacedTimesteps,
  trainingSigmas,
  withDefaults,
} from '../../../src/diffusion/schedulers/common.js';
import { DDIM_DEFAULTS } from '../../../src/diffusion/schedulers/ddim.js';
import { assertAllClose, assertClose, SD15_CONFIG } from './fixtures.js';

const sd15 = withDefaults(SD15_CONFIG, DDIM_DEFAULTS);

describe('scheduler common maths', () => {
  it('reproduces the SD1.5 ᾱ and σ extremes (conventions §5)', () => {
    const alphas = alphasCumprod(sd15);
    assertClose(alphas[0], 0.99915, 1e-6, 'ᾱ[0]');
    assertClose(alphas[999], 0.0046601, 1e-7, 'ᾱ[999]');
    const sigmas = trainingSigmas(alphas);
    assertClose(sigmas[0], 0.0291675, 1e-6, 'σ_min');
    // 14.6146488 with torch's double cumprod accumulator; the note's 14.6146555 is a float32 running product.
    assertClose(sigmas[999], 14.6146555, 1e-5, 'σ_max');
  });

  it('builds linear and cosine schedules that decrease monotonically', () => {
    for (const beta_schedule of ['linear', 'squaredcos_cap_v2'] as const) {
      const alphas = alphasCumprod({ ...sd15, beta_schedule });
      for (let i = 1; i < alphas.length; i++) assert.ok(alphas[i] < alphas[i - 1]);
    }
    const linear = alphasCumprod({ ...sd15, beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 });
    assertClose(linear[0], 0.9999, 1e-7, 'linear ᾱ[0]');
  });

  it('spaces timesteps like diffusers', () => {
    assert.deepEqual([...spacedTimesteps(sd15, 5)], [801, 601, 401, 201, 1]);
    assert.deepEqual([...spacedTimesteps({ ...sd15, timestep_spacing: 'trailing' }, 3)], [999, 666, 332]);
    assert.deepEqual([...spacedTimesteps({ ...sd15, timestep_spacing: 'linspace' }, 4)], [999, 666, 333, 0]);
  });

  it('rounds halves to even like numpy', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, 2, 3]);
  });

  it('maps Karras σ back to timesteps through log σ', () => {
    const table = trainingSigmas(alphasCumprod(sd15));
    const logSigmas = table.map(Math.log);
    assertClose(sigmaToTimestep(table[500], logSigmas), 500, 1e-6, 't(σ_500)');
    assertClose(sigmaToTimestep(table[999], logSigmas), 999, 1e-6, 't(σ_max)');
    const ramp = karrasSigmas(14.6146, 0.0292, 20);
    assertAllClose([ramp[0], ramp[19]], [14.6146, 0.0292], 1e-9, 'ramp ends');
  });

  it('rejects unknown schedule kinds as invalid models', () => {
    assert.throws(() => withDefaults({ beta_schedule: 'sigmoid' as never }, DDIM_DEFAULTS), { code: 'MODEL_INVALID' });
    assert.throws(() => withDefaults({ num_train_timesteps: 0 }, DDIM_DEFAULTS), { code: 'INVALID_ARGUMENT' });
  });
});

describe('scheduler config checks', () => {
  it('uses trained_betas when given and refuses unsupported flags', () => {
    const betas = new Array(1000).fill(0.01);
    const alphas = alphasCumprod(withDefaults({ trained_betas: betas }, DDIM_DEFAULTS));
    assertClose(alphas[1], 0.99 * 0.99, 1e-6, 'ᾱ[1]');
    assert.throws(() => withDefaults({ trained_betas: [0.1] }, DDIM_DEFAULTS), { code: 'MODEL_INVALID' });
    assert.throws(() => withDefaults({ rescale_betas_zero_snr: true }, DDIM_DEFAULTS), { code: 'MODEL_INVALID' });
    assert.deepEqual(withDefaults({ timestep_spacing: null } as never, DDIM_DEFAULTS).timestep_spacing, 'leading');
  });
});
