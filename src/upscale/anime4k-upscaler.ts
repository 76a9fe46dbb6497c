/**
 * The super-resolution stage: Anime4K CNN ×2 on onnxruntime. The ONNX graph is generated in memory
 * from the npm-shipped JSON weights (no model download), one session is shared by all calls, and
 * ×4 / ×8 repeat the ×2 pass. Node-only (reads the weights file, uses onnxruntime-node).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createRgbImage, cloneRgbImage, type RgbImage } from '../core/raster.js';
import type { StageContext, Upscaler } from '../core/types.js';
import { AnimeMeError } from '../errors.js';
import { createOnnxSession, ONNX_DEVICES, type OnnxDevice, type OnnxSession } from '../backends/onnx.js';
import { encodeModel } from '../onnx/index.js';
import { expectOneOf, expectPositiveInteger, invalidParameter, is } from '../validate.js';
import {
  ANIME4K_VARIANTS,
  ANIME4K_WEIGHT_SETS,
  parseAnime4kWeights,
  type Anime4kNetwork,
  type Anime4kVariant,
  type Anime4kWeightSet,
} from './anime4k-network.js';
import { ANIME4K_INPUT, ANIME4K_OUTPUT, buildAnime4kModel } from './anime4k-graph.js';
import { cropRgb, pasteTile, planTiles } from './tiling.js';

export const UPSCALE_FACTORS = [1, 2, 4, 8] as const;

/**
 * Default network. L costs ~8.5 k MAC per input pixel but runs in ~110 ms for 640×360 → 1280×720
 * on 2 threads here and gives the sharpest, cleanest lines; see bench/upscale.ts.
 */
export const DEFAULT_ANIME4K_VARIANT: Anime4kVariant = 'l';

export interface Anime4kUpscalerOptions {
  /** Network size: 's', 'm' or 'l' (default 'l'). */
  variant?: Anime4kVariant;
  /** Weight set: 'an' (original Anime4K, default), 'rl' or '3d'. */
  weightSet?: Anime4kWeightSet;
  /** Already-parsed websr-format weights JSON; overrides variant/weightSet. */
  weightsJson?: unknown;
  /** onnxruntime intra-op threads (default 2). */
  threads?: number;
  /** Default 'cpu'. */
  device?: OnnxDevice;
  /**
   * Images with more than tileSize² pixels are processed in overlapping tiles of about
   * tileSize × tileSize (bounded memory, progress and cancellation between tiles). Default 768.
   */
  tileSize?: number;
}

export interface Anime4kUpscaler extends Upscaler {
  readonly network: Anime4kNetwork;
  /** Build the model and create the session now instead of on the first upscale. */
  ready(): Promise<void>;
}

/** Read websr's Anime4K JSON from node_modules. */
export function loadAnime4kWeightsJson(variant: Anime4kVariant, weightSet: Anime4kWeightSet = 'an'): unknown {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve(`@websr/websr/weights/anime4k/cnn-2x-${variant}-${weightSet}.json`);
  } catch (error) {
    throw new AnimeMeError('MODEL_MISSING', `Anime4K weights cnn-2x-${variant}-${weightSet} not found; install @websr/websr`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AnimeMeError('MODEL_INVALID', `Anime4K weights at ${path} are not readable JSON`, { cause: error });
  }
}

function checkImage(image: unknown): asserts image is RgbImage {
  const value = image as RgbImage;
  if (
    !value ||
    typeof value !== 'object' ||
    !is.integer(value.width) ||
    !is.integer(value.height) ||
    value.width <= 0 ||
    value.height <= 0 ||
    !(value.data instanceof Uint8Array) ||
    value.data.length !== value.width * value.height * 3
  ) {
    throw invalidParameter('an RgbImage with width*height*3 bytes', 'image', image);
  }
}

/** Receptive radius of the residual branch in input pixels (one per 3×3 layer). */
function receptiveRadius(network: Anime4kNetwork): number {
  return 1 + network.hidden.length + (network.last.kernel === 3 ? 1 : 0);
}

export function createAnime4kUpscaler(options: Anime4kUpscalerOptions = {}): Anime4kUpscaler {
  if (!is.plainObject(options)) throw invalidParameter('an options object', 'options', options);
  const variant = expectOneOf(options.variant ?? DEFAULT_ANIME4K_VARIANT, 'variant', ANIME4K_VARIANTS);
  const weightSet = expectOneOf(options.weightSet ?? 'an', 'weightSet', ANIME4K_WEIGHT_SETS);
  const threads = expectPositiveInteger(options.threads ?? 2, 'threads', 64);
  const device = expectOneOf(options.device ?? 'cpu', 'device', ONNX_DEVICES);
  const tileSize = expectPositiveInteger(options.tileSize ?? 768, 'tileSize', 16384);
  if (tileSize < 32) throw invalidParameter('integer between 32 and 16384', 'tileSize', tileSize);

  const network = parseAnime4kWeights(options.weightsJson ?? loadAnime4kWeightsJson(variant, weightSet));
  const halo = receptiveRadius(network);
  const name = options.weightsJson ? `anime4k-${network.variant}` : `anime4k-${network.variant}-${weightSet}`;

  let session: Promise<OnnxSession> | undefined;
  let disposed = false;
  const getSession = (): Promise<OnnxSession> => {
    if (disposed) return Promise.reject(new AnimeMeError('INVALID_ARGUMENT', `Upscaler ${name} was disposed`));
    // 'basic': onnxruntime's NCHWc layout rewrite (level 'all') adds reorders that cost more than
    // they save on these 4/8-channel convolutions (~10 % slower at 640×360 here).
    session ??= createOnnxSession(encodeModel(buildAnime4kModel(network)), { intraOpThreads: threads, device, graphOptimization: 'basic' });
    return session;
  };

  async function upscale2x(s: OnnxSession, image: RgbImage, onTile: (done: number, total: number) => void, signal?: AbortSignal): Promise<RgbImage> {
    const tiles = planTiles(image.width, image.height, tileSize, halo);
    const out = createRgbImage(image.width * 2, image.height * 2);
    for (let t = 0; t < tiles.length; t++) {
      if (signal?.aborted) throw new AnimeMeError('CANCELLED', 'Upscaling was cancelled');
      const tile = tiles[t];
      const input = cropRgb(image, tile.read);
      const result = await s.run({ [ANIME4K_INPUT]: { type: 'uint8', data: input, dims: [1, tile.read.height, tile.read.width, 3] } });
      const bytes = result[ANIME4K_OUTPUT].data as Uint8Array;
      if (tiles.length === 1) return { width: out.width, height: out.height, data: bytes };
      pasteTile(out, bytes, tile, 2);
      onTile(t + 1, tiles.length);
    }
    return out;
  }

  return {
    name,
    network,
    async ready() {
      await getSession();
    },
    async upscale(image: RgbImage, scale: number, context: StageContext = {}): Promise<RgbImage> {
      checkImage(image);
      if (!(UPSCALE_FACTORS as readonly unknown[]).includes(scale)) throw invalidParameter(`one of ${UPSCALE_FACTORS.join(', ')}`, 'scale', scale);
      const factor = scale;
      const report = (progress: number, message?: string) => context.onProgress?.({ stage: 'upscale', progress, message });
      if (context.signal?.aborted) throw new AnimeMeError('CANCELLED', 'Upscaling was cancelled');
      if (factor === 1) {
        report(1);
        return cloneRgbImage(image);
      }
      const s = await getSession();
      const passes = Math.log2(factor);
      report(0, `${name} ×${factor}`);
      let current = image;
      for (let pass = 0; pass < passes; pass++) {
        const label = `×2 pass ${pass + 1}/${passes}, ${current.width}×${current.height}`;
        current = await upscale2x(
          s,
          current,
          (done, total) => report((pass + done / total) / passes, `${label}, tile ${done}/${total}`),
          context.signal,
        );
        report((pass + 1) / passes, label);
      }
      return current;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      const pending = session;
      session = undefined;
      if (pending) await (await pending.catch(() => undefined))?.dispose();
    },
  };
}
