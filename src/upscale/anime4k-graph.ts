/**
 * Anime4K network → ONNX graph (portable). Spatial dimensions are dynamic, so one session serves
 * every image size.
 *
 * Two I/O forms:
 * - 'uint8-nhwc' (what the upscaler uses): input `image` uint8 [N, H, W, 3], output `upscaled`
 *   uint8 [N, 2H, 2W, 3]. The RGB bytes go in and come out without any per-pixel work in JS; the
 *   1/255 and 255 scalings are folded into the first and last convolution weights.
 * - 'float-nchw': input `image` float32 [N, 3, H, W] in 0..1, output float32 [N, 3, 2H, 2W] clamped
 *   to 0..1 (for testing against a reference and for chaining with other float graphs).
 */
import { createGraphBuilder, type GraphBuilder, type ModelDef } from '../onnx/index.js';
import type { Anime4kConv, Anime4kNetwork } from './anime4k-network.js';

export type Anime4kGraphIo = 'uint8-nhwc' | 'float-nchw';

export interface Anime4kGraphOptions {
  /** Default 'uint8-nhwc'. */
  io?: Anime4kGraphIo;
}

export const ANIME4K_INPUT = 'image';
export const ANIME4K_OUTPUT = 'upscaled';

function scaled(values: Float32Array, factor: number): Float32Array {
  if (factor === 1) return values;
  return values.map((v) => v * factor);
}

function addConv(g: GraphBuilder, pads: string, input: string, conv: Anime4kConv, label: string, weightScale = 1, outScale = 1): string {
  const w = g.initializer(`${label}.weight`, 'float32', [conv.outChannels, conv.inChannels, conv.kernel, conv.kernel], scaled(conv.weights, weightScale * outScale));
  const b = g.initializer(`${label}.bias`, 'float32', [conv.outChannels], scaled(conv.bias, outScale));
  let source = input;
  if (conv.kernel === 3) {
    // Clamp-to-edge reads, as the GLSL/WebGPU shaders sample their textures.
    source = g.node('Pad', [input, pads], { mode: 'edge' });
  }
  return g.node('Conv', [source, w, b], { kernel_shape: [conv.kernel, conv.kernel] }, { name: label });
}

function crelu(g: GraphBuilder, features: string): string {
  return g.node('Concat', [g.node('Relu', [features]), g.node('Relu', [g.node('Neg', [features])])], { axis: 1 });
}

/** Build the ONNX model for one Anime4K network. */
export function buildAnime4kModel(network: Anime4kNetwork, options: Anime4kGraphOptions = {}): ModelDef {
  const io = options.io ?? 'uint8-nhwc';
  const range = io === 'uint8-nhwc' ? 255 : 1;
  const g = createGraphBuilder({ name: `anime4k-${network.variant}` });

  let rgb: string; // float [N, 3, H, W] in 0..range
  if (io === 'uint8-nhwc') {
    const input = g.input(ANIME4K_INPUT, 'uint8', ['batch', 'height', 'width', 3]);
    rgb = g.node('Transpose', [g.node('Cast', [input], { to: 1 })], { perm: [0, 3, 1, 2] });
  } else {
    rgb = g.input(ANIME4K_INPUT, 'float32', ['batch', 3, 'height', 'width']);
  }

  const pads = g.initializer('pads_hw1', 'int64', [8], [0, 0, 1, 1, 0, 0, 1, 1]);
  // The network was trained on 0..1 values: scale the first layer's weights instead of the pixels.
  let features = addConv(g, pads, rgb, network.first, 'conv0', 1 / range);
  const activations = [crelu(g, features)];
  network.hidden.forEach((conv, i) => {
    features = addConv(g, pads, activations[activations.length - 1], conv, `conv${i + 1}`);
    activations.push(crelu(g, features));
  });
  const lastInput =
    network.lastReads === 'all' ? g.node('Concat', activations, { axis: 1 }) : activations[activations.length - 1];
  // Residual straight in output units (0..range).
  const residual = addConv(g, pads, lastInput, network.last, 'conv_last', 1, range);
  const subpixels = g.node('DepthToSpace', [residual], { blocksize: 2, mode: 'CRD' });

  const scales = g.initializer('scales_2x', 'float32', [4], [1, 1, 2, 2]);
  const base = g.node('Resize', [rgb, '', scales], {
    mode: 'linear',
    coordinate_transformation_mode: 'half_pixel',
  });
  const sum = g.node('Add', [base, subpixels]); // S broadcasts its 1-channel residual over R, G, B
  const min = g.initializer('clip_min', 'float32', [], [0]);
  const max = g.initializer('clip_max', 'float32', [], [range]);
  const clipped = g.node('Clip', [sum, min, max]);

  if (io === 'uint8-nhwc') {
    const bytes = g.node('Cast', [g.node('Round', [clipped])], { to: 2 });
    const out = g.node('Transpose', [bytes], { perm: [0, 2, 3, 1] }, { outputs: [ANIME4K_OUTPUT] });
    g.output(out, 'uint8', ['batch', 'height2x', 'width2x', 3]);
  } else {
    const out = g.node('Identity', [clipped], {}, { outputs: [ANIME4K_OUTPUT] });
    g.output(out, 'float32', ['batch', 3, 'height2x', 'width2x']);
  }
  return g.model({ producerName: 'anime-me', docString: `${network.name} ×2 (weights: Anime4K via @websr/websr, MIT)` });
}
