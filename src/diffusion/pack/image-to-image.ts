/**
 * Feed-forward image-to-image packs (AnimeGAN-style): one ONNX generator plus anime-me's manifest.
 * Reading, checking and running: one session call per image.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOnnxSession, type OnnxSessionOptions, type OnnxValueInfo } from '../../backends/onnx.js';
import type { RgbImage } from '../../core/raster.js';
import { AnimeMeError } from '../../errors.js';
import { readJsonObject } from './config.js';
import { IMAGE_TO_IMAGE_FORMAT, IMAGE_TO_IMAGE_MANIFEST, type ImageToImageManifest } from './layout.js';
import { invalid, missing, throwIfErrors, type PackProblem } from './problems.js';
import type { FloatType } from './signature.js';
import { floatTensor, readFloats } from './tensors.js';

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function readImageToImageManifest(dir: string): { manifest?: ImageToImageManifest; problems: PackProblem[] } {
  const path = join(dir, IMAGE_TO_IMAGE_MANIFEST);
  const read = readJsonObject(path, 'manifest', true, `an image-to-image pack is a folder with ${IMAGE_TO_IMAGE_MANIFEST} next to its ONNX model`);
  if (!read.value) return { problems: read.problems };
  const m = read.value;
  const wrong: string[] = [];
  if (m.format !== IMAGE_TO_IMAGE_FORMAT) wrong.push(`format must be "${IMAGE_TO_IMAGE_FORMAT}" (got ${JSON.stringify(m.format)})`);
  for (const key of ['name', 'model', 'input', 'output'] as const) if (typeof m[key] !== 'string' || !m[key]) wrong.push(`${key} must be a non-empty string`);
  if (m.layout !== 'nchw' && m.layout !== 'nhwc') wrong.push(`layout must be "nchw" or "nhwc" (got ${JSON.stringify(m.layout)})`);
  if (!Array.isArray(m.range) || m.range.length !== 2 || !m.range.every(isNumber) || m.range[0] >= m.range[1]) wrong.push('range must be [low, high], e.g. [-1, 1]');
  if (!(Number.isInteger(m.sizeMultiple) && (m.sizeMultiple as number) >= 1)) wrong.push('sizeMultiple must be a positive integer');
  if (wrong.length > 0) return { problems: [invalid('manifest', path, `${path}: ${wrong.join('; ')}`)] };
  const manifest = m as unknown as ImageToImageManifest;
  const modelPath = join(dir, manifest.model);
  if (!existsSync(modelPath)) {
    return { manifest, problems: [missing('model', modelPath, `${manifest.model} not found (tried ${modelPath})`, `put the ONNX file named in ${IMAGE_TO_IMAGE_MANIFEST} next to it`)] };
  }
  return { manifest, problems: [] };
}

/** The generator must map a float image [1, 3, H, W] (or [1, H, W, 3]) to one of the same layout. */
export function checkImageToImageSignature(
  dir: string,
  manifest: ImageToImageManifest,
  meta: { inputs: readonly OnnxValueInfo[]; outputs: readonly OnnxValueInfo[] },
): PackProblem[] {
  const path = join(dir, manifest.model);
  const problems: PackProblem[] = [];
  const channelAxis = manifest.layout === 'nchw' ? 1 : 3;
  for (const [kind, name, list] of [
    ['input', manifest.input, meta.inputs],
    ['output', manifest.output, meta.outputs],
  ] as const) {
    const info = list.find((v) => v.name === name);
    if (!info) {
      problems.push(invalid('model', path, `${manifest.model} has no ${kind} named "${name}" (its ${kind}s: ${list.map((v) => v.name).join(', ') || 'none'})`, `fix "${kind}" in ${IMAGE_TO_IMAGE_MANIFEST}`));
      continue;
    }
    if (info.dataType !== 'float32' && info.dataType !== 'float16') {
      problems.push(invalid('model', path, `${manifest.model} ${kind} "${name}" is ${info.dataType ?? 'not a tensor'}; expected float32 or float16`));
    } else if (
      info.shape.length !== 4 ||
      (typeof info.shape[channelAxis] === 'number' && info.shape[channelAxis] !== 3) ||
      // Channels fixed at 3 on the other layout's axis while ours is dynamic: the layout is wrong.
      (typeof info.shape[channelAxis] !== 'number' && info.shape[4 - channelAxis] === 3)
    ) {
      problems.push(
        invalid('model', path, `${manifest.model} ${kind} "${name}" has shape [${info.shape.join(', ')}]; a ${manifest.layout} RGB image needs rank 4 with 3 channels on axis ${channelAxis}`, `check "layout" in ${IMAGE_TO_IMAGE_MANIFEST}`),
      );
    }
  }
  return problems;
}

/** RGB bytes → the manifest's layout and range, float32. */
export function imageToGeneratorInput(image: RgbImage, manifest: ImageToImageManifest): Float32Array {
  const [low, high] = manifest.range;
  const scale = (high - low) / 255;
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  const { data } = image;
  if (manifest.layout === 'nhwc') {
    for (let i = 0; i < data.length; i++) out[i] = low + data[i] * scale;
    return out;
  }
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    out[p] = low + data[i] * scale;
    out[plane + p] = low + data[i + 1] * scale;
    out[2 * plane + p] = low + data[i + 2] * scale;
  }
  return out;
}

/** The generator's output (manifest layout and range) → RGB bytes, clipped. */
export function generatorOutputToImage(values: Float32Array, width: number, height: number, manifest: ImageToImageManifest): RgbImage {
  const [low, high] = manifest.range;
  const scale = 255 / (high - low);
  const plane = width * height;
  const data = new Uint8Array(plane * 3);
  const byte = (v: number): number => {
    const x = (v - low) * scale;
    return x <= 0 ? 0 : x >= 255 ? 255 : Math.round(x);
  };
  if (manifest.layout === 'nhwc') {
    for (let i = 0; i < data.length; i++) data[i] = byte(values[i]);
  } else {
    for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) data[p * 3 + c] = byte(values[c * plane + p]);
  }
  return { width, height, data };
}

export interface ImageToImagePack {
  readonly dir: string;
  readonly manifest: ImageToImageManifest;
  /** Run the generator on an image whose sides are multiples of `manifest.sizeMultiple`. */
  run(image: RgbImage): Promise<RgbImage>;
  dispose(): Promise<void>;
}

/** Open a feed-forward pack: manifest, session, signature check. Errors: MODEL_MISSING, MODEL_INVALID. */
export async function openImageToImagePack(dir: string, options: OnnxSessionOptions = {}): Promise<ImageToImagePack> {
  const absolute = resolve(dir);
  const { manifest, problems } = readImageToImageManifest(absolute);
  throwIfErrors(absolute, problems);
  const session = await createOnnxSession(join(absolute, manifest!.model), options);
  const signature = checkImageToImageSignature(absolute, manifest!, session);
  if (signature.length > 0) {
    await session.dispose();
    throwIfErrors(absolute, signature);
  }
  const m = manifest!;
  const inputType = session.inputs.find((v) => v.name === m.input)!.dataType as FloatType;
  return {
    dir: absolute,
    manifest: m,
    async run(image) {
      if (image.width % m.sizeMultiple !== 0 || image.height % m.sizeMultiple !== 0) {
        throw new AnimeMeError('INVALID_ARGUMENT', `Image ${image.width}x${image.height} must have sides that are multiples of ${m.sizeMultiple} for ${m.name}`);
      }
      const dims = m.layout === 'nchw' ? [1, 3, image.height, image.width] : [1, image.height, image.width, 3];
      const out = (await session.run({ [m.input]: floatTensor(imageToGeneratorInput(image, m), dims, inputType) }, [m.output]))[m.output];
      const [height, width] = m.layout === 'nchw' ? [out.dims[2], out.dims[3]] : [out.dims[1], out.dims[2]];
      return generatorOutputToImage(readFloats(out, m.name), width, height, m);
    },
    dispose: () => session.dispose(),
  };
}
