/**
 * Seeded standard-normal noise for diffusion jobs. The same seed gives the same latents on every
 * platform: the generator is pure 32-bit integer arithmetic (xoshiro128**, seeded through
 * splitmix32), and the normal transform (Box–Muller) uses only Math.log/sqrt/cos/sin, which V8
 * computes identically everywhere. It is not torch's generator, so seeds do not reproduce
 * images made with diffusers or A1111.
 */
import type { NoiseSource } from './schedulers/scheduler.js';
import { invalidParameter, is } from '../validate.js';

export type { NoiseSource } from './schedulers/scheduler.js';

export interface SeededNoiseSource extends NoiseSource {
  readonly seed: number;
  /** Next uniform float in [0, 1) with 32 bits of resolution. */
  nextUniform(): number;
  /** Next N(0,1) sample. */
  nextNormal(): number;
}

/** A1111 treats seeds as unsigned 32-bit; larger safe integers keep their high bits via the mixer. */
export function createNoiseSource(seed: number): SeededNoiseSource {
  if (!is.integer(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw invalidParameter('non-negative safe integer', 'seed', seed);
  }
  // splitmix32 spreads even tiny seeds (0, 1, 2…) into well-mixed, never-all-zero xoshiro state.
  let mix = (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x1_0000_0000) >>> 0, 0x9e3779b9);
  const splitmix = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const nextUint32 = createXoshiro128ss(splitmix(), splitmix(), splitmix(), splitmix());

  const nextUniform = (): number => nextUint32() / 0x1_0000_0000;

  // Box–Muller yields pairs; keep the second so a stream of single draws wastes nothing.
  let spare: number | undefined;
  const nextNormal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    // 1 − u is in (0, 1], so the log is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - nextUniform()));
    const angle = 2 * Math.PI * nextUniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return {
    seed,
    nextUniform,
    nextNormal,
    fill(out: Float32Array): void {
      for (let i = 0; i < out.length; i++) out[i] = nextNormal();
    },
  };
}

/** xoshiro128** (Blackman & Vigna): returns a generator of unsigned 32-bit integers. */
export function createXoshiro128ss(a: number, b: number, c: number, d: number): () => number {
  let s0 = a | 0;
  let s1 = b | 0;
  let s2 = c | 0;
  let s3 = d | 0;
  if ((s0 | s1 | s2 | s3) === 0) throw invalidParameter('non-zero state', 'xoshiro128** state', 0);
  return (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
