/**
 * Tensor signatures: what each network must take and give, checked against the ONNX session's own
 * metadata. The result (`PackIo`) is everything the pipeline needs to know about the exports —
 * id dtype, timestep dtype and rank, float precision, VAE output kind, fixed dims — so nothing
 * about an exporter is ever assumed.
 */
import { join } from 'node:path';
import type { OnnxValueInfo } from '../../backends/onnx.js';
import type { OnnxDataType } from '../../onnx/index.js';
import { MODEL_FILE, type NetworkName } from './layout.js';
import { invalid, type PackProblem } from './problems.js';

export type FloatType = 'float32' | 'float16';
export type TimestepType = 'float32' | 'float16' | 'int64' | 'int32';

/** A dimension: its size when the export fixed it, else undefined (dynamic). */
export type FixedDim = number | undefined;

export interface TextEncoderIo {
  idsType: 'int32' | 'int64';
  /** Fixed sequence length, if the export fixed it. */
  sequenceLength: FixedDim;
  output: string;
  outputType: FloatType;
  hiddenSize: FixedDim;
  batch: FixedDim;
}

export interface UnetIo {
  sampleType: FloatType;
  latentChannels: number;
  timestepType: TimestepType;
  /** 0: a scalar (optimum), 1: one per batch item (legacy). */
  timestepRank: 0 | 1;
  textType: FloatType;
  sequenceLength: FixedDim;
  hiddenSize: FixedDim;
  /** Fixed batch (e.g. 1: classifier-free guidance then runs the UNet twice per step). */
  batch: FixedDim;
  /** Fixed latent height/width (static-shape exports). */
  height: FixedDim;
  width: FixedDim;
  output: string;
  outputType: FloatType;
  /** Guidance-distilled LCM UNets take the guidance scale as an embedding [B, dim] instead of CFG. */
  timestepCond?: { type: FloatType; dim: number };
}

export interface VaeEncoderIo {
  inputType: FloatType;
  /** 'latent_sample' (already sampled, 4 channels) or 'latent_parameters' (mean ‖ log-variance). */
  output: 'latent_sample' | 'latent_parameters';
  outputType: FloatType;
  batch: FixedDim;
}

export interface VaeDecoderIo {
  inputType: FloatType;
  outputType: FloatType;
  batch: FixedDim;
}

export interface PackIo {
  textEncoder: TextEncoderIo;
  unet: UnetIo;
  vaeEncoder: VaeEncoderIo;
  vaeDecoder: VaeDecoderIo;
}

export interface NetworkMetadata {
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

const FLOATS: readonly OnnxDataType[] = ['float32', 'float16'];
const fixed = (dim: number | string | undefined): FixedDim => (typeof dim === 'number' && dim > 0 ? dim : undefined);
const describe = (info: OnnxValueInfo): string => `${info.name}: ${info.dataType ?? 'non-tensor'}[${info.shape.join(', ')}]`;

/** Checks one network's metadata; every problem names the model file and the tensor. */
class SignatureCheck {
  readonly problems: PackProblem[] = [];
  private readonly path: string;
  private readonly file: string;

  /**
   * `component` names the problem's part ('unet', 'tiny_vae', …); `folder` is the network's folder
   * inside `dir` (default: the component's name).
   */
  constructor(
    dir: string,
    private readonly component: string,
    private readonly meta: NetworkMetadata,
    folder: string = component,
    private readonly hint = 'is this folder a Stable Diffusion 1.x/2.x ONNX export?',
  ) {
    this.path = join(dir, folder, MODEL_FILE);
    this.file = `${folder}/${MODEL_FILE}`;
  }

  fail(message: string): void {
    this.problems.push(invalid(this.component, this.path, `${this.file} ${message}`, this.hint));
  }

  /** The named value, checked for dtype and rank; undefined (with a problem) when absent or wrong. */
  value(kind: 'input' | 'output', names: readonly string[], types: readonly OnnxDataType[], ranks: readonly number[]): OnnxValueInfo | undefined {
    const list = kind === 'input' ? this.meta.inputs : this.meta.outputs;
    const info = list.find((v) => names.includes(v.name));
    if (!info) {
      const has = list.map((v) => v.name).join(', ') || 'none';
      this.fail(`has no ${kind} named ${names.map((n) => `"${n}"`).join(' or ')} (its ${kind}s: ${has})`);
      return undefined;
    }
    if (!info.dataType || !types.includes(info.dataType)) {
      this.fail(`${kind} ${describe(info)} has type ${info.dataType ?? 'non-tensor'}; expected ${types.join(' or ')}`);
      return undefined;
    }
    // An empty shape is a scalar or an unknown shape; accept it wherever rank 0 is allowed.
    if (!ranks.includes(info.shape.length)) {
      this.fail(`${kind} ${describe(info)} has rank ${info.shape.length}; expected rank ${ranks.join(' or ')}`);
      return undefined;
    }
    return info;
  }

  /** Inputs this pipeline does not feed (SDXL's text_embeds/time_ids, ControlNet residuals…). */
  unexpectedInputs(known: readonly string[], hint: string): void {
    // A misnamed input is already reported as missing; naming it twice would only confuse.
    if (this.problems.length > 0) return;
    const extra = this.meta.inputs.filter((v) => !known.includes(v.name));
    if (extra.length > 0) this.fail(`needs inputs this engine does not provide: ${extra.map(describe).join(', ')} (${hint})`);
  }

  expectDim(info: OnnxValueInfo | undefined, axis: number, expected: number, what: string): void {
    const dim = info ? fixed(info.shape[axis]) : undefined;
    if (info && dim !== undefined && dim !== expected) this.fail(`${describe(info)}: ${what} is ${dim}; expected ${expected}`);
  }
}

/**
 * Check all four networks and resolve their I/O. Returns `io` only when there are no problems.
 * Cross-network checks: the UNet's text width must match the text encoder's, and the VAE's latent
 * channels the UNet's.
 */
export function checkSignatures(dir: string, meta: Readonly<Record<NetworkName, NetworkMetadata>>): { io?: PackIo; problems: PackProblem[] } {
  const text = new SignatureCheck(dir, 'text_encoder', meta.text_encoder);
  const ids = text.value('input', ['input_ids'], ['int32', 'int64'], [2]);
  const hidden = text.value('output', ['last_hidden_state'], FLOATS, [3]);
  text.unexpectedInputs(['input_ids'], 'attention masks and other extra inputs are not supported');

  const unet = new SignatureCheck(dir, 'unet', meta.unet);
  const sample = unet.value('input', ['sample'], FLOATS, [4]);
  const timestep = unet.value('input', ['timestep'], ['float32', 'float16', 'int64', 'int32'], [0, 1]);
  const states = unet.value('input', ['encoder_hidden_states'], FLOATS, [3]);
  const outSample = unet.value('output', ['out_sample'], FLOATS, [4]);
  const hasCond = meta.unet.inputs.some((v) => v.name === 'timestep_cond');
  const cond = hasCond ? unet.value('input', ['timestep_cond'], FLOATS, [2]) : undefined;
  const condDim = fixed(cond?.shape[1]);
  if (cond && condDim === undefined) unet.fail(`input ${describe(cond)} has a dynamic width; the guidance embedding width must be fixed`);
  unet.unexpectedInputs(['sample', 'timestep', 'encoder_hidden_states', 'timestep_cond'], 'SDXL and ControlNet UNets are not supported');

  const encoder = new SignatureCheck(dir, 'vae_encoder', meta.vae_encoder);
  const image = encoder.value('input', ['sample'], FLOATS, [4]);
  encoder.expectDim(image, 1, 3, 'the channel count');
  const latent = encoder.value('output', ['latent_sample', 'latent_parameters'], FLOATS, [4]);

  const decoder = new SignatureCheck(dir, 'vae_decoder', meta.vae_decoder);
  const latentIn = decoder.value('input', ['latent_sample'], FLOATS, [4]);
  const decoded = decoder.value('output', ['sample'], FLOATS, [4]);
  decoder.expectDim(decoded, 1, 3, 'the channel count');

  const latentChannels = fixed(sample?.shape[1]) ?? fixed(latentIn?.shape[1]) ?? 4;
  unet.expectDim(outSample, 1, latentChannels, 'the channel count');
  decoder.expectDim(latentIn, 1, latentChannels, 'the latent channel count');
  if (latent) {
    const perLatent = latent.name === 'latent_parameters' ? 2 * latentChannels : latentChannels;
    encoder.expectDim(latent, 1, perLatent, 'the channel count');
  }
  const textWidth = fixed(hidden?.shape[2]);
  const unetTextWidth = fixed(states?.shape[2]);
  if (textWidth !== undefined && unetTextWidth !== undefined && textWidth !== unetTextWidth) {
    unet.problems.push(
      invalid('unet', join(dir, 'unet', MODEL_FILE), `unet expects text embeddings of width ${unetTextWidth} but text_encoder gives ${textWidth}`, 'the networks come from different models'),
    );
  }

  const problems = [...text.problems, ...unet.problems, ...encoder.problems, ...decoder.problems];
  if (problems.length > 0 || !ids || !hidden || !sample || !timestep || !states || !outSample || !image || !latent || !latentIn || !decoded) {
    return { problems };
  }
  const vae = autoencoderIo(image, latent, latentIn, decoded);
  return {
    problems,
    io: {
      textEncoder: {
        idsType: ids.dataType as 'int32' | 'int64',
        sequenceLength: fixed(ids.shape[1]),
        output: hidden.name,
        outputType: hidden.dataType as FloatType,
        hiddenSize: textWidth,
        batch: fixed(ids.shape[0]),
      },
      unet: {
        sampleType: sample.dataType as FloatType,
        latentChannels,
        timestepType: timestep.dataType as TimestepType,
        timestepRank: timestep.shape.length === 1 ? 1 : 0,
        textType: states.dataType as FloatType,
        sequenceLength: fixed(states.shape[1]),
        hiddenSize: unetTextWidth ?? textWidth,
        batch: fixed(sample.shape[0]),
        height: fixed(sample.shape[2]),
        width: fixed(sample.shape[3]),
        output: outSample.name,
        outputType: outSample.dataType as FloatType,
        ...(cond && condDim !== undefined ? { timestepCond: { type: cond.dataType as FloatType, dim: condDim } } : {}),
      },
      vaeEncoder: vae.encoder,
      vaeDecoder: vae.decoder,
    },
  };
}

export interface AutoencoderIo {
  encoder: VaeEncoderIo;
  decoder: VaeDecoderIo;
}

/** Encoder and decoder I/O from their checked tensors: the same for a pack's VAE and a tiny autoencoder. */
function autoencoderIo(image: OnnxValueInfo, latent: OnnxValueInfo, latentIn: OnnxValueInfo, decoded: OnnxValueInfo): AutoencoderIo {
  return {
    encoder: {
      inputType: image.dataType as FloatType,
      output: latent.name as VaeEncoderIo['output'],
      outputType: latent.dataType as FloatType,
      batch: fixed(image.shape[0]),
    },
    decoder: { inputType: latentIn.dataType as FloatType, outputType: decoded.dataType as FloatType, batch: fixed(latentIn.shape[0]) },
  };
}

/**
 * An alternative autoencoder's two networks (TAESD, or another KL VAE): the same tensor names as a
 * pack's own VAE, and latents with the UNet's channel count. `folders` are the encoder's and
 * decoder's folders inside `dir`; problems are reported under `component`.
 */
export function checkAutoencoderSignatures(
  dir: string,
  component: string,
  folders: { encoder: string; decoder: string },
  meta: { encoder: NetworkMetadata; decoder: NetworkMetadata },
  latentChannels: number,
): { io?: AutoencoderIo; problems: PackProblem[] } {
  const hint = 'an autoencoder folder needs the diffusers ONNX VAE signature (encoder: sample → latent_sample; decoder: latent_sample → sample)';
  const encoder = new SignatureCheck(dir, component, meta.encoder, folders.encoder, hint);
  const image = encoder.value('input', ['sample'], FLOATS, [4]);
  encoder.expectDim(image, 1, 3, 'the channel count');
  const latent = encoder.value('output', ['latent_sample', 'latent_parameters'], FLOATS, [4]);
  if (latent) encoder.expectDim(latent, 1, latent.name === 'latent_parameters' ? 2 * latentChannels : latentChannels, "the channel count (the UNet's latent channels)");
  encoder.unexpectedInputs(['sample'], 'extra inputs are not supported');

  const decoder = new SignatureCheck(dir, component, meta.decoder, folders.decoder, hint);
  const latentIn = decoder.value('input', ['latent_sample'], FLOATS, [4]);
  decoder.expectDim(latentIn, 1, latentChannels, "the latent channel count (the UNet's)");
  const decoded = decoder.value('output', ['sample'], FLOATS, [4]);
  decoder.expectDim(decoded, 1, 3, 'the channel count');
  decoder.unexpectedInputs(['latent_sample'], 'extra inputs are not supported');

  const problems = [...encoder.problems, ...decoder.problems];
  if (problems.length > 0 || !image || !latent || !latentIn || !decoded) return { problems };
  return {
    problems,
    io: autoencoderIo(image, latent, latentIn, decoded),
  };
}
