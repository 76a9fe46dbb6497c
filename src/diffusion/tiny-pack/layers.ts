/**
 * Graph-building helpers for the tiny packs: seeded weights and the handful of layers the tiny
 * networks are made of. Weights are stored in the pack's precision; fp16 weights are cast to
 * float32 inside the graph (onnxruntime folds those casts at load time), because onnxruntime's CPU
 * provider lacks fp16 kernels for several ops. From the outside an fp16 pack is then what a real
 * fp16 export is: fp16 weights on disk and fp16 inputs and outputs.
 */
import { mulberry32 } from '../../core/mulberry32.js';
import type { GraphBuilder } from '../../onnx/index.js';

export type TinyPackDtype = 'fp32' | 'fp16';

/** Seeded weight initialisation (mulberry32 underneath). */
export function createWeightRng(seed: number): { uniform(): number; normal(): number } {
  const uniform = mulberry32(seed);
  return {
    uniform,
    normal() {
      // Box-Muller; 1 - u keeps the logarithm finite.
      const u = 1 - uniform();
      const v = uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** A graph builder plus a weight source: every network of a pack is built through one of these. */
export interface LayerContext {
  g: GraphBuilder;
  dtype: TinyPackDtype;
  rng: ReturnType<typeof createWeightRng>;
  /** A fresh constant name (GraphBuilder.uniqueName claims the name it returns, so it cannot name an initializer). */
  constName(prefix: string): string;
}

export function createLayerContext(g: GraphBuilder, dtype: TinyPackDtype, seed: number): LayerContext {
  let count = 0;
  return { g, dtype, rng: createWeightRng(seed), constName: (prefix) => `const.${prefix}.${count++}` };
}

/** A float32 constant stored in the pack's precision; returns a float32 value name. */
export function param(ctx: LayerContext, name: string, dims: readonly number[], data: ArrayLike<number>): string {
  if (ctx.dtype === 'fp32') return ctx.g.initializer(name, 'float32', dims, Float32Array.from(data));
  const half = ctx.g.initializer(`${name}_fp16`, 'float16', dims, Float32Array.from(data));
  return ctx.g.node('Cast', [half], { to: 1 }, { outputs: [name] });
}

/** Normal weights with standard deviation gain/√fanIn (He-style). */
export function randomParam(ctx: LayerContext, name: string, dims: readonly number[], fanIn: number, gain = 1): string {
  const count = dims.reduce((a, b) => a * b, 1);
  const std = gain / Math.sqrt(fanIn);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = ctx.rng.normal() * std;
  return param(ctx, name, dims, values);
}

/** int64 constant (shapes, axes): never converted. */
export function int64s(ctx: LayerContext, name: string, values: readonly number[]): string {
  return ctx.g.initializer(ctx.constName(name), 'int64', [values.length], values);
}

export function scalar(ctx: LayerContext, name: string, value: number): string {
  return ctx.g.initializer(ctx.constName(name), 'float32', [], [value]);
}

export interface ConvOptions {
  kernel?: number;
  stride?: number;
  /** Weight gain; below 1 for residual branches so random networks stay well scaled. */
  gain?: number;
}

export function conv(ctx: LayerContext, name: string, x: string, inChannels: number, outChannels: number, options: ConvOptions = {}): string {
  const kernel = options.kernel ?? 3;
  const stride = options.stride ?? 1;
  const pad = (kernel - 1) / 2;
  const w = randomParam(ctx, `${name}.weight`, [outChannels, inChannels, kernel, kernel], inChannels * kernel * kernel, options.gain ?? Math.SQRT2);
  const b = param(ctx, `${name}.bias`, [outChannels], new Float32Array(outChannels).map(() => ctx.rng.normal() * 0.02));
  return ctx.g.node(
    'Conv',
    [x, w, b],
    { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [pad, pad, pad, pad] },
    { name },
  );
}

/** x·W + b over the last axis. */
export function linear(ctx: LayerContext, name: string, x: string, inFeatures: number, outFeatures: number, gain = 1): string {
  const w = randomParam(ctx, `${name}.weight`, [inFeatures, outFeatures], inFeatures, gain);
  const b = param(ctx, `${name}.bias`, [outFeatures], new Float32Array(outFeatures).map(() => ctx.rng.normal() * 0.02));
  return ctx.g.node('Add', [ctx.g.node('MatMul', [x, w]), b]);
}

export function silu(ctx: LayerContext, x: string): string {
  return ctx.g.node('Mul', [x, ctx.g.node('Sigmoid', [x])]);
}

/** CLIP's activation: x·σ(1.702x). */
export function quickGelu(ctx: LayerContext, x: string): string {
  return ctx.g.node('Mul', [x, ctx.g.node('Sigmoid', [ctx.g.node('Mul', [x, scalar(ctx, 'gelu_k', 1.702)])])]);
}

export function layerNorm(ctx: LayerContext, name: string, x: string, features: number): string {
  const scale = param(ctx, `${name}.weight`, [features], new Float32Array(features).fill(1));
  const bias = param(ctx, `${name}.bias`, [features], new Float32Array(features));
  return ctx.g.node('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: 1e-5 });
}

/** Softmax(q·kᵀ/√d [+ mask])·v for [B, Lq, d] × [B, Lk, d] × [B, Lk, dv]. */
export function attention(ctx: LayerContext, q: string, k: string, v: string, headDim: number, mask?: string): string {
  const { g } = ctx;
  let scores = g.node('Mul', [g.node('MatMul', [q, g.node('Transpose', [k], { perm: [0, 2, 1] })]), scalar(ctx, 'attn_scale', 1 / Math.sqrt(headDim))]);
  if (mask) scores = g.node('Add', [scores, mask]);
  return g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), v]);
}

/** Nearest-neighbour ×factor in H and W. */
export function upsample(ctx: LayerContext, x: string, factor: number, mode: 'nearest' | 'linear' = 'nearest'): string {
  const scales = ctx.g.initializer(ctx.constName('up_scales'), 'float32', [4], [1, 1, factor, factor]);
  const attributes: Record<string, string> = { mode };
  if (mode === 'linear') attributes.coordinate_transformation_mode = 'half_pixel';
  return ctx.g.node('Resize', [x, '', scales], attributes);
}

/** Nearest-neighbour resize of x to the spatial size of `like` (diffusers' upsample_size: odd sizes round-trip). */
export function upsampleTo(ctx: LayerContext, x: string, like: string): string {
  const { g } = ctx;
  const sizes = g.node(
    'Concat',
    [
      g.node('Slice', [g.node('Shape', [x]), int64s(ctx, 'zero', [0]), int64s(ctx, 'two', [2])]),
      g.node('Slice', [g.node('Shape', [like]), int64s(ctx, 'two', [2]), int64s(ctx, 'four', [4])]),
    ],
    { axis: 0 },
  );
  return g.node('Resize', [x, '', '', sizes], { mode: 'nearest' });
}
