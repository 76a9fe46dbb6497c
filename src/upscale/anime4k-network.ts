/**
 * Anime4K "CNN x2" networks (S, M, L), read from the JSON weights that @websr/websr ships, and put
 * into plain ONNX-layout convolutions. Portable: takes already-parsed JSON.
 *
 * The networks (same for every variant, C = 4 feature channels for S/M, 8 for L):
 *   f0 = conv3x3(rgb)                       (the shaders read RGBA; alpha is 1, folded into the bias)
 *   fi = conv3x3(crelu(f(i-1)))             crelu(f) = concat(relu(f), relu(-f))
 *   S:   r = conv3x3(crelu(f_last)) → 4 ch, one luma residual per 2×2 sub-pixel, added to R, G and B
 *   M/L: r = conv1x1(concat(crelu(f0) … crelu(f_last))) → 12 ch, 4 sub-pixels per R, G, B
 *   out = bilinear2x(rgb) + depthToSpace(r)    sub-pixel (dx, dy) is channel 2·dy + dx
 * All 3×3 convolutions read outside the image as the nearest edge pixel (clamp-to-edge textures).
 */
import { AnimeMeError } from '../errors.js';

export const ANIME4K_VARIANTS = ['s', 'm', 'l'] as const;
export type Anime4kVariant = (typeof ANIME4K_VARIANTS)[number];

/** an: the original Anime4K weights (anime); rl / 3d: websr's retrains for real-life / 3D footage. */
export const ANIME4K_WEIGHT_SETS = ['an', 'rl', '3d'] as const;
export type Anime4kWeightSet = (typeof ANIME4K_WEIGHT_SETS)[number];

/** A convolution in ONNX layout: weights [outChannels, inChannels, kernel, kernel]. */
export interface Anime4kConv {
  kernel: 1 | 3;
  inChannels: number;
  outChannels: number;
  weights: Float32Array;
  bias: Float32Array;
}

export interface Anime4kNetwork {
  name: string;
  variant: Anime4kVariant;
  /** conv3x3 on the RGB image (values 0..1). */
  first: Anime4kConv;
  /** conv3x3 layers, each on crelu of the previous features. */
  hidden: Anime4kConv[];
  /** S: conv3x3 on crelu(last features); M/L: conv1x1 on crelu of all features, concatenated. */
  last: Anime4kConv;
  lastReads: 'last' | 'all';
  /** Residual colour channels after depth-to-space: 1 (S, shared by R, G, B) or 3. */
  residualChannels: 1 | 3;
  /** Multiply-accumulates per input pixel (for cost estimates). */
  macsPerPixel: number;
}

interface JsonLayer {
  weights?: unknown;
  bias?: unknown;
}

function invalid(message: string): AnimeMeError {
  return new AnimeMeError('MODEL_INVALID', `Anime4K weights are not usable: ${message}`);
}

function numbers(layers: Record<string, JsonLayer>, name: string, key: 'weights' | 'bias'): Float32Array {
  const layer = layers[name];
  if (!layer || typeof layer !== 'object') throw invalid(`layer ${name} is missing`);
  const values = layer[key];
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw invalid(`layer ${name} has no numeric ${key}`);
  }
  return Float32Array.from(values as number[]);
}

/**
 * The shaders store one 4×4 matrix (column-major, mat4x4) per (tap, input block): element
 * [16·m + 4·c + o] maps input component c to output component o. For 3×3 layers the matrix index is
 * tap + 9·block with taps in x-major order: tap = 3·(dx+1) + (dy+1). For 1×1 layers it is the block.
 * Input channel of (block, c) is 4·block + c; the JSON's block order already matches crelu's
 * concat(relu(f), relu(-f)) of the concatenated feature buffers.
 */
function convFromShader(parts: { weights: Float32Array; bias: Float32Array }[], kernel: 1 | 3, name: string): Anime4kConv {
  const taps = kernel * kernel;
  const blocks = parts[0].weights.length / (16 * taps);
  if (!Number.isInteger(blocks) || blocks < 1) throw invalid(`${name}: ${parts[0].weights.length} weights do not form 4×4 blocks`);
  const inChannels = 4 * blocks;
  const outChannels = 4 * parts.length;
  const weights = new Float32Array(outChannels * inChannels * taps);
  const bias = new Float32Array(outChannels);
  parts.forEach((part, p) => {
    if (part.weights.length !== parts[0].weights.length || part.bias.length !== 4) throw invalid(`${name}: parts differ in size`);
    for (let o = 0; o < 4; o++) {
      const oc = 4 * p + o;
      bias[oc] = part.bias[o];
      for (let block = 0; block < blocks; block++) {
        for (let c = 0; c < 4; c++) {
          const ic = 4 * block + c;
          for (let tap = 0; tap < taps; tap++) {
            const dx = kernel === 3 ? Math.floor(tap / 3) : 0;
            const dy = kernel === 3 ? tap % 3 : 0;
            const m = tap + taps * block;
            weights[((oc * inChannels + ic) * kernel + dy) * kernel + dx] = part.weights[16 * m + 4 * c + o];
          }
        }
      }
    }
  });
  return { kernel, inChannels, outChannels, weights, bias };
}

/** Drop the alpha input (always 1) of an RGBA first layer by adding its weights to the bias. */
function foldAlpha(conv: Anime4kConv): Anime4kConv {
  const taps = conv.kernel * conv.kernel;
  const weights = new Float32Array(conv.outChannels * 3 * taps);
  const bias = conv.bias.slice();
  for (let o = 0; o < conv.outChannels; o++) {
    for (let c = 0; c < 4; c++) {
      for (let t = 0; t < taps; t++) {
        const w = conv.weights[(o * 4 + c) * taps + t];
        if (c === 3) bias[o] += w;
        else weights[(o * 3 + c) * taps + t] = w;
      }
    }
  }
  return { ...conv, inChannels: 3, weights, bias };
}

const layerPart = (layers: Record<string, JsonLayer>, name: string) => ({
  weights: numbers(layers, name, 'weights'),
  bias: numbers(layers, name, 'bias'),
});

function macs(conv: Anime4kConv): number {
  return conv.inChannels * conv.outChannels * conv.kernel * conv.kernel;
}

/** Parse websr's Anime4K JSON ({ name: 'anime4k/cnn-2x-m', layers: {...} }). */
export function parseAnime4kWeights(json: unknown): Anime4kNetwork {
  if (!json || typeof json !== 'object') throw invalid('not a JSON object');
  const { name, layers } = json as { name?: unknown; layers?: unknown };
  if (typeof name !== 'string' || !layers || typeof layers !== 'object') throw invalid('expected { name, layers }');
  const match = /cnn-2x-([sml])$/.exec(name);
  if (!match) throw invalid(`network ${JSON.stringify(name)} is not one of anime4k/cnn-2x-s, -m, -l`);
  const variant = match[1] as Anime4kVariant;
  const l = layers as Record<string, JsonLayer>;

  let network: Omit<Anime4kNetwork, 'macsPerPixel'>;
  if (variant === 's' || variant === 'm') {
    const hiddenCount = variant === 's' ? 2 : 6;
    const first = foldAlpha(convFromShader([layerPart(l, 'conv2d_tf')], 3, 'conv2d_tf'));
    const hidden = Array.from({ length: hiddenCount }, (_, i) => convFromShader([layerPart(l, `conv2d_${i + 1}_tf`)], 3, `conv2d_${i + 1}_tf`));
    const last =
      variant === 's'
        ? convFromShader([layerPart(l, 'conv2d_last_tf')], 3, 'conv2d_last_tf')
        : convFromShader(['conv2d_7_tf', 'conv2d_7_tf1', 'conv2d_7_tf2'].map((n) => layerPart(l, n)), 1, 'conv2d_7_tf');
    network = { name, variant, first, hidden, last, lastReads: variant === 's' ? 'last' : 'all', residualChannels: variant === 's' ? 1 : 3 };
  } else {
    const first = foldAlpha(convFromShader([layerPart(l, 'conv2d_tf'), layerPart(l, 'conv2d_tf1')], 3, 'conv2d_tf'));
    const hidden = Array.from({ length: 6 }, (_, i) =>
      convFromShader([layerPart(l, `conv2d_${i + 1}_tf`), layerPart(l, `conv2d_${i + 1}_tf1`)], 3, `conv2d_${i + 1}_tf`),
    );
    const last = convFromShader(['conv2d_last_tf', 'conv2d_last_tf1', 'conv2d_last_tf2'].map((n) => layerPart(l, n)), 1, 'conv2d_last_tf');
    network = { name, variant, first, hidden, last, lastReads: 'all', residualChannels: 3 };
  }

  // Each layer must consume what the previous one makes.
  const features = network.first.outChannels;
  for (const conv of network.hidden) {
    if (conv.inChannels !== 2 * features || conv.outChannels !== features) throw invalid(`${name}: hidden layer sizes do not chain`);
  }
  const lastIn = network.lastReads === 'all' ? 2 * features * (network.hidden.length + 1) : 2 * features;
  if (network.last.inChannels !== lastIn || network.last.outChannels !== 4 * network.residualChannels) {
    throw invalid(`${name}: last layer has ${network.last.inChannels} inputs, expected ${lastIn}`);
  }
  const macsPerPixel = macs(network.first) + network.hidden.reduce((a, c) => a + macs(c), 0) + macs(network.last);
  return { ...network, macsPerPixel };
}
