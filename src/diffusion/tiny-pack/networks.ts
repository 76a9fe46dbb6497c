/**
 * The tiny networks of a generated pack. Each has the real diffusers-ONNX tensor signature (names,
 * dtypes, ranks, dynamic dims) and computes something real and deterministic from seeded weights,
 * so every output depends on every input the real network reads:
 * - text encoder: token + position embeddings, one causal self-attention block with an MLP,
 *   final LayerNorm (CLIP's shape, one layer, one head);
 * - UNet: conv in, sinusoidal timestep embedding into every residual block, strided-conv downs,
 *   cross-attention on the text embeddings at the lower levels, nearest-neighbour ups with skips,
 *   conv out (a bounded ε estimate);
 * - VAE: the encoder's mean is a fixed colour transform of the 8×8 block average plus a small
 *   strided-conv branch; the decoder inverts the colour transform, upsamples ×8 and adds a small
 *   conv branch. A round trip is therefore a soft version of the input, which keeps demo output
 *   recognisable.
 */
import { createGraphBuilder, type Dim, type OnnxDataType } from '../../onnx/index.js';
import {
  attention,
  conv,
  createLayerContext,
  int64s,
  layerNorm,
  linear,
  param,
  quickGelu,
  randomParam,
  scalar,
  silu,
  upsample,
  upsampleTo,
  type LayerContext,
  type TinyPackDtype,
} from './layers.js';

export type TinyPackVariant = 'legacy' | 'optimum';

export interface TinyNetworkSpec {
  variant: TinyPackVariant;
  dtype: TinyPackDtype;
  seed: number;
  /** Text hidden size (CLIP-L: 768). */
  hiddenSize: number;
  vocabSize: number;
  maxLength: number;
  /** UNet channels per level, top first. */
  unetChannels: readonly number[];
  /** Levels (indices into unetChannels) with cross-attention; the middle block always has it. */
  attentionLevels: readonly number[];
  /** VAE conv branch width. */
  vaeChannels: number;
  latentChannels: number;
  /** Static-shape export (as for TensorRT/DirectML): fixed batch and image size in pixels. */
  staticShape?: { batch: number; height: number; width: number };
}

const floatType = (dtype: TinyPackDtype): OnnxDataType => (dtype === 'fp16' ? 'float16' : 'float32');

/**
 * Dimensions as each exporter writes them: names for dynamic axes, numbers for a static export.
 * `height`/`width` are latent sizes, `imageHeight`/`imageWidth` pixel sizes.
 */
function dims(spec: TinyNetworkSpec) {
  const names =
    spec.variant === 'legacy'
      ? { batch: 'batch', sequence: 'sequence', height: 'height', width: 'width' }
      : { batch: 'batch_size', sequence: 'sequence_length', height: 'height', width: 'width' };
  const fixed = spec.staticShape;
  if (!fixed) return { ...names, latentHeight: 'latent_height', latentWidth: 'latent_width', imageHeight: 'image_height', imageWidth: 'image_width', pixelHeight: names.height, pixelWidth: names.width };
  const [h, w] = [fixed.height / 8, fixed.width / 8];
  return { batch: fixed.batch, sequence: spec.maxLength, height: h, width: w, latentHeight: h, latentWidth: w, imageHeight: fixed.height, imageWidth: fixed.width, pixelHeight: fixed.height, pixelWidth: fixed.width };
}

function floatInput(ctx: LayerContext, name: string, shape: readonly Dim[]): string {
  const input = ctx.g.input(name, floatType(ctx.dtype), shape);
  return ctx.dtype === 'fp16' ? ctx.g.node('Cast', [input], { to: 1 }) : input;
}

function floatOutput(ctx: LayerContext, value: string, name: string, shape: readonly Dim[]): void {
  const out = ctx.g.node(ctx.dtype === 'fp16' ? 'Cast' : 'Identity', [value], ctx.dtype === 'fp16' ? { to: 10 } : {}, { outputs: [name] });
  ctx.g.output(out, floatType(ctx.dtype), shape);
}

function encodeNetwork(ctx: LayerContext, docString: string): Uint8Array {
  // Opset 17 for LayerNormalization (the real exporters write 14; nothing here depends on it).
  return ctx.g.encode({ producerName: 'anime-me tiny-pack', docString, opsetImports: [{ domain: '', version: 17 }] });
}

/** input_ids [B, S] (int32 legacy, int64 optimum) → last_hidden_state [B, S, D], pooler_output [B, D]. */
export function buildTextEncoder(spec: TinyNetworkSpec): Uint8Array {
  const ctx = createLayerContext(createGraphBuilder({ name: 'text_encoder' }), spec.dtype, spec.seed + 1);
  const { g } = ctx;
  const d = dims(spec);
  const D = spec.hiddenSize;
  const ids = g.input('input_ids', spec.variant === 'legacy' ? 'int32' : 'int64', [d.batch, d.sequence]);

  const tokenTable = randomParam(ctx, 'token_embedding', [spec.vocabSize, D], 1, 0.5);
  const tokens = g.node('Gather', [tokenTable, ids], { axis: 0 });
  // Position embeddings and the causal mask are cut to the actual sequence length.
  const seqLen = g.node('Slice', [g.node('Shape', [ids]), int64s(ctx, 'one', [1]), int64s(ctx, 'two', [2])]);
  const positions = randomParam(ctx, 'position_embedding', [spec.maxLength, D], 1, 0.2);
  const zero = int64s(ctx, 'zero', [0]);
  const x0 = g.node('Add', [tokens, g.node('Slice', [positions, zero, seqLen, zero])]);
  const maskValues = new Float32Array(spec.maxLength * spec.maxLength);
  for (let i = 0; i < spec.maxLength; i++) for (let j = i + 1; j < spec.maxLength; j++) maskValues[i * spec.maxLength + j] = -1e4;
  const maskFull = g.initializer('causal_mask', 'float32', [spec.maxLength, spec.maxLength], maskValues);
  const mask = g.node('Slice', [maskFull, int64s(ctx, 'zeros2', [0, 0]), g.node('Concat', [seqLen, seqLen], { axis: 0 }), int64s(ctx, 'axes01', [0, 1])]);

  const h = layerNorm(ctx, 'layer0.ln1', x0, D);
  const q = linear(ctx, 'layer0.q', h, D, D);
  const k = linear(ctx, 'layer0.k', h, D, D);
  const v = linear(ctx, 'layer0.v', h, D, D);
  const x1 = g.node('Add', [x0, linear(ctx, 'layer0.out', attention(ctx, q, k, v, D, mask), D, D, 0.5)]);
  const mlp = linear(ctx, 'layer0.fc2', quickGelu(ctx, linear(ctx, 'layer0.fc1', layerNorm(ctx, 'layer0.ln2', x1, D), D, 2 * D)), 2 * D, D, 0.5);
  const x2 = g.node('Add', [x1, mlp]);
  const last = layerNorm(ctx, 'final_ln', x2, D);
  floatOutput(ctx, last, 'last_hidden_state', [d.batch, d.sequence, D]);
  // CLIP pools at the EOS token; a mean over tokens keeps this tiny graph simple.
  floatOutput(ctx, g.node('ReduceMean', [last], { axes: [1], keepdims: 0 }), 'pooler_output', [d.batch, D]);
  return encodeNetwork(ctx, 'anime-me tiny CLIP text encoder (generated, seeded weights)');
}

/** Sinusoidal embedding of the timestep (any dtype, scalar or [B]) → [Bt, E]. */
function timestepEmbedding(ctx: LayerContext, timestep: string, embedDim: number): string {
  const { g } = ctx;
  const half = 16;
  const t = g.node('Reshape', [g.node('Cast', [timestep], { to: 1 }), int64s(ctx, 'shape_col', [-1, 1])]);
  const freqs = new Float32Array(half).map((_, i) => Math.exp((-Math.log(10000) * i) / half));
  const args = g.node('Mul', [t, g.initializer(ctx.constName('freqs'), 'float32', [1, half], freqs)]);
  const emb = g.node('Concat', [g.node('Sin', [args]), g.node('Cos', [args])], { axis: 1 });
  return linear(ctx, 'time_embedding.linear_2', silu(ctx, linear(ctx, 'time_embedding.linear_1', emb, 2 * half, embedDim)), embedDim, embedDim);
}

function resBlock(ctx: LayerContext, name: string, x: string, inC: number, outC: number, temb: string, embedDim: number): string {
  const { g } = ctx;
  let h = conv(ctx, `${name}.conv1`, silu(ctx, x), inC, outC);
  const t = g.node('Reshape', [linear(ctx, `${name}.time_emb_proj`, silu(ctx, temb), embedDim, outC), int64s(ctx, 'shape_nc11', [0, -1, 1, 1])]);
  h = conv(ctx, `${name}.conv2`, silu(ctx, g.node('Add', [h, t])), outC, outC, { gain: 0.5 });
  const skip = inC === outC ? x : conv(ctx, `${name}.conv_shortcut`, x, inC, outC, { kernel: 1, gain: 1 });
  return g.node('Mul', [g.node('Add', [skip, h]), scalar(ctx, 'res_scale', Math.SQRT1_2)]);
}

/** Spatial features [B, C, H, W] attend to the text [B, S, D]; residual. */
function crossAttention(ctx: LayerContext, name: string, x: string, channels: number, text: string, textDim: number): string {
  const { g } = ctx;
  const headDim = Math.min(64, channels);
  const tokens = g.node('Transpose', [g.node('Reshape', [x, int64s(ctx, 'shape_nc_flat', [0, 0, -1])])], { perm: [0, 2, 1] });
  const q = g.node('MatMul', [tokens, randomParam(ctx, `${name}.to_q`, [channels, headDim], channels)]);
  const k = g.node('MatMul', [text, randomParam(ctx, `${name}.to_k`, [textDim, headDim], textDim)]);
  const v = g.node('MatMul', [text, randomParam(ctx, `${name}.to_v`, [textDim, channels], textDim)]);
  const out = g.node('MatMul', [attention(ctx, q, k, v, headDim), randomParam(ctx, `${name}.to_out`, [channels, channels], channels, 0.5)]);
  const back = g.node('Reshape', [g.node('Transpose', [out], { perm: [0, 2, 1] }), g.node('Shape', [x])]);
  return g.node('Add', [x, back]);
}

/**
 * sample [B, 4, h, w], timestep (legacy [B] float, optimum scalar int64), encoder_hidden_states
 * [B, S, D] → out_sample [B, 4, h, w]. Any h and w: ups resize to their skip's size.
 */
export function buildUnet(spec: TinyNetworkSpec): Uint8Array {
  const ctx = createLayerContext(createGraphBuilder({ name: 'unet' }), spec.dtype, spec.seed + 2);
  const { g } = ctx;
  const d = dims(spec);
  const C = spec.unetChannels;
  const L = spec.latentChannels;
  const embedDim = 4 * C[0];

  const sample = floatInput(ctx, 'sample', [d.batch, L, d.height, d.width]);
  const timestep =
    spec.variant === 'legacy' ? floatInput(ctx, 'timestep', [d.batch]) : g.input('timestep', 'int64', []);
  const text = floatInput(ctx, 'encoder_hidden_states', [d.batch, d.sequence, spec.hiddenSize]);

  const temb = timestepEmbedding(ctx, timestep, embedDim);
  let x = conv(ctx, 'conv_in', sample, L, C[0]);
  const skips: string[] = [];
  for (let level = 0; level < C.length; level++) {
    x = resBlock(ctx, `down.${level}.res`, x, level === 0 ? C[0] : C[level - 1], C[level], temb, embedDim);
    if (spec.attentionLevels.includes(level)) x = crossAttention(ctx, `down.${level}.attn`, x, C[level], text, spec.hiddenSize);
    skips.push(x);
    if (level < C.length - 1) x = conv(ctx, `down.${level}.downsample`, x, C[level], C[level], { stride: 2, gain: 1 });
  }
  x = crossAttention(ctx, 'mid.attn', resBlock(ctx, 'mid.res', x, C[C.length - 1], C[C.length - 1], temb, embedDim), C[C.length - 1], text, spec.hiddenSize);
  for (let level = C.length - 1; level >= 0; level--) {
    if (level < C.length - 1) x = conv(ctx, `up.${level}.upsample`, upsampleTo(ctx, x, skips[level]), C[level + 1], C[level], { gain: 1 });
    x = resBlock(ctx, `up.${level}.res`, g.node('Add', [x, skips[level]]), C[level], C[level], temb, embedDim);
  }
  // A bounded noise estimate: random weights must not push fp16 latents to infinity.
  const eps = g.node('Mul', [g.node('Tanh', [conv(ctx, 'conv_out', silu(ctx, x), C[0], L, { gain: 1 })]), scalar(ctx, 'out_scale', 1.5)]);
  floatOutput(ctx, eps, 'out_sample', [d.batch, L, d.height, d.width]);
  return encodeNetwork(ctx, 'anime-me tiny UNet2DCondition (generated, seeded weights)');
}

/** A random well-conditioned RGB → latent map, and its pseudo-inverse for the decoder. */
export function vaeColourTransform(seed: number, latentChannels: number): { forward: Float32Array; inverse: Float32Array } {
  const rng = createLayerContext(createGraphBuilder(), 'fp32', seed + 7).rng;
  // Start from luma/chroma-like rows so the map is invertible, then perturb.
  const base = [
    [0.6, 0.6, 0.6],
    [0.8, -0.4, -0.4],
    [0, 0.7, -0.7],
    [0.3, -0.6, 0.3],
  ];
  const w = new Float64Array(latentChannels * 3);
  for (let r = 0; r < latentChannels; r++) for (let c = 0; c < 3; c++) w[r * 3 + c] = (base[r % 4][c] + 0.1 * rng.normal()) * 4;
  // inverse = (WᵀW)⁻¹Wᵀ, a 3 × L matrix.
  const wtw = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let r = 0; r < latentChannels; r++) wtw[i * 3 + j] += w[r * 3 + i] * w[r * 3 + j];
  const inv = invert3(wtw);
  const inverse = new Float32Array(3 * latentChannels);
  for (let i = 0; i < 3; i++) {
    for (let r = 0; r < latentChannels; r++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += inv[i * 3 + k] * w[r * 3 + k];
      inverse[i * latentChannels + r] = s;
    }
  }
  return { forward: Float32Array.from(w), inverse };
}

function invert3(m: Float64Array): Float64Array {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return Float64Array.from([A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d].map((v) => v / det));
}

/** sample [B, 3, H, W] in [−1, 1] → latent_sample [B, 4, H/8, W/8] (legacy) or latent_parameters [B, 8, …] (optimum). */
export function buildVaeEncoder(spec: TinyNetworkSpec): Uint8Array {
  const ctx = createLayerContext(createGraphBuilder({ name: 'vae_encoder' }), spec.dtype, spec.seed + 3);
  const { g } = ctx;
  const d = dims(spec);
  const L = spec.latentChannels;
  const c = spec.vaeChannels;
  const image = floatInput(ctx, 'sample', [d.batch, 3, d.pixelHeight, d.pixelWidth]);

  const pooled = g.node('AveragePool', [image], { kernel_shape: [8, 8], strides: [8, 8] });
  const colour = vaeColourTransform(spec.seed, L).forward;
  const meanBase = g.node('Conv', [pooled, param(ctx, 'quant_colour.weight', [L, 3, 1, 1], colour)], { kernel_shape: [1, 1] });
  let h = silu(ctx, conv(ctx, 'encoder.conv_in', image, 3, c, { stride: 2 }));
  h = silu(ctx, conv(ctx, 'encoder.down.1', h, c, c, { stride: 2 }));
  h = silu(ctx, conv(ctx, 'encoder.down.2', h, c, c, { stride: 2 }));
  const moments = conv(ctx, 'encoder.conv_out', h, c, 2 * L, { kernel: 1, gain: 0.3 });
  const [detail, logvarDetail] = g.nodeOutputs('Split', [moments, int64s(ctx, 'split', [L, L])], { axis: 1 }, { outputs: 2 });
  const mean = g.node('Add', [meanBase, detail]);
  if (spec.variant === 'legacy') {
    // The real legacy export samples inside the graph (a RandomNormalLike node), which makes it
    // non-deterministic; the tiny pack returns the mean so tests can compare runs.
    floatOutput(ctx, mean, 'latent_sample', [d.batch, L, d.latentHeight, d.latentWidth]);
  } else {
    const logvar = g.node('Add', [logvarDetail, scalar(ctx, 'logvar_base', -6)]);
    floatOutput(ctx, g.node('Concat', [mean, logvar], { axis: 1 }), 'latent_parameters', [d.batch, 2 * L, d.latentHeight, d.latentWidth]);
  }
  return encodeNetwork(ctx, 'anime-me tiny AutoencoderKL encoder (generated, seeded weights)');
}

/** latent_sample [B, 4, h, w] → sample [B, 3, 8h, 8w], roughly [−1, 1]. */
export function buildVaeDecoder(spec: TinyNetworkSpec): Uint8Array {
  const ctx = createLayerContext(createGraphBuilder({ name: 'vae_decoder' }), spec.dtype, spec.seed + 4);
  const { g } = ctx;
  const d = dims(spec);
  const L = spec.latentChannels;
  const c = spec.vaeChannels;
  const latent = floatInput(ctx, 'latent_sample', [d.batch, L, d.height, d.width]);

  const inverse = vaeColourTransform(spec.seed, L).inverse;
  const base = upsample(ctx, g.node('Conv', [latent, param(ctx, 'post_quant_colour.weight', [3, L, 1, 1], inverse)], { kernel_shape: [1, 1] }), 8, 'linear');
  let h = silu(ctx, conv(ctx, 'decoder.conv_in', latent, L, c));
  for (let i = 0; i < 3; i++) h = silu(ctx, conv(ctx, `decoder.up.${i}`, upsample(ctx, h, 2), c, c));
  const detail = conv(ctx, 'decoder.conv_out', h, c, 3, { gain: 0.15 });
  floatOutput(ctx, g.node('Add', [base, detail]), 'sample', [d.batch, 3, d.imageHeight, d.imageWidth]);
  return encodeNetwork(ctx, 'anime-me tiny AutoencoderKL decoder (generated, seeded weights)');
}

/**
 * Tiny autoencoder (TAESD-shaped, diffusers `AutoencoderTiny` signature): sample [B, 3, H, W] in
 * [−1, 1] → latent_sample [B, 4, H/8, W/8], already in the UNet's latent scale (a real TAESD is
 * trained to give SD's scaled latents directly, so its config says scaling_factor 1.0). Here that
 * means the colour transform of the pack's VAE times the pack VAE's `latentScale`, plus a
 * strided-conv branch of its own; so its latents land near the pack VAE's scaled ones.
 */
export function buildTinyVaeEncoder(spec: TinyNetworkSpec, latentScale: number): Uint8Array {
  const ctx = createLayerContext(createGraphBuilder({ name: 'taesd_encoder' }), spec.dtype, spec.seed + 8);
  const { g } = ctx;
  const d = dims(spec);
  const L = spec.latentChannels;
  const c = spec.vaeChannels;
  const image = floatInput(ctx, 'sample', [d.batch, 3, d.pixelHeight, d.pixelWidth]);
  const pooled = g.node('AveragePool', [image], { kernel_shape: [8, 8], strides: [8, 8] });
  const colour = vaeColourTransform(spec.seed, L).forward.map((v) => v * latentScale);
  const base = g.node('Conv', [pooled, param(ctx, 'encoder.colour.weight', [L, 3, 1, 1], colour)], { kernel_shape: [1, 1] });
  let h = silu(ctx, conv(ctx, 'encoder.layers.0', image, 3, c, { stride: 2 }));
  h = silu(ctx, conv(ctx, 'encoder.layers.1', h, c, c, { stride: 2 }));
  h = silu(ctx, conv(ctx, 'encoder.layers.2', h, c, c, { stride: 2 }));
  const detail = conv(ctx, 'encoder.layers.3', h, c, L, { kernel: 1, gain: 0.05 });
  floatOutput(ctx, g.node('Add', [base, detail]), 'latent_sample', [d.batch, L, d.latentHeight, d.latentWidth]);
  return encodeNetwork(ctx, 'anime-me tiny AutoencoderTiny (TAESD-shaped) encoder (generated, seeded weights)');
}

/** latent_sample [B, 4, h, w] (scaled latents) → sample [B, 3, 8h, 8w]; clamps its input with tanh(x/3)·3 as TAESD's decoder does. */
export function buildTinyVaeDecoder(spec: TinyNetworkSpec, latentScale: number): Uint8Array {
  const ctx = createLayerContext(createGraphBuilder({ name: 'taesd_decoder' }), spec.dtype, spec.seed + 9);
  const { g } = ctx;
  const d = dims(spec);
  const L = spec.latentChannels;
  const c = spec.vaeChannels;
  const latent = floatInput(ctx, 'latent_sample', [d.batch, L, d.height, d.width]);
  const clamped = g.node('Mul', [g.node('Tanh', [g.node('Mul', [latent, scalar(ctx, 'third', 1 / 3)])]), scalar(ctx, 'three', 3)]);
  const inverse = vaeColourTransform(spec.seed, L).inverse.map((v) => v / latentScale);
  const base = upsample(ctx, g.node('Conv', [clamped, param(ctx, 'decoder.colour.weight', [3, L, 1, 1], inverse)], { kernel_shape: [1, 1] }), 8, 'linear');
  let h = silu(ctx, conv(ctx, 'decoder.layers.0', clamped, L, c));
  for (let i = 0; i < 3; i++) h = silu(ctx, conv(ctx, `decoder.layers.${i + 1}`, upsample(ctx, h, 2), c, c));
  const detail = conv(ctx, 'decoder.layers.4', h, c, 3, { gain: 0.1 });
  floatOutput(ctx, g.node('Add', [base, detail]), 'sample', [d.batch, 3, d.imageHeight, d.imageWidth]);
  return encodeNetwork(ctx, 'anime-me tiny AutoencoderTiny (TAESD-shaped) decoder (generated, seeded weights)');
}

/** AnimeGAN-style feed-forward generator: input [1, 3, H, W] in [−1, 1] → output, same shape and range. */
export function buildImageToImage(dtype: TinyPackDtype, seed: number, channels: number): Uint8Array {
  const ctx = createLayerContext(createGraphBuilder({ name: 'generator' }), dtype, seed + 5);
  const { g } = ctx;
  const image = floatInput(ctx, 'input', [1, 3, 'height', 'width']);
  let h = silu(ctx, conv(ctx, 'conv_in', image, 3, channels));
  h = silu(ctx, conv(ctx, 'down', h, channels, 2 * channels, { stride: 2 }));
  h = silu(ctx, conv(ctx, 'body', h, 2 * channels, 2 * channels));
  h = silu(ctx, conv(ctx, 'up', upsample(ctx, h, 2), 2 * channels, channels));
  const residual = conv(ctx, 'conv_out', h, channels, 3, { gain: 0.3 });
  // Posterise-like push through tanh keeps the output in [−1, 1], as AnimeGAN's last layer does.
  const out = g.node('Tanh', [g.node('Mul', [g.node('Add', [image, residual]), scalar(ctx, 'gain', 1.3)])]);
  floatOutput(ctx, out, 'output', [1, 3, 'height', 'width']);
  return encodeNetwork(ctx, 'anime-me tiny feed-forward image-to-image generator (generated, seeded weights)');
}
