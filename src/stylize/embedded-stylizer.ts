/**
 * The default Stylizer: the embedded, model-free anime engine with four looks.
 */
import type { RgbImage } from '../core/raster.js';
import { EMBEDDED_STYLES, type StageContext, type StylizeRequest, type Stylizer } from '../core/types.js';
import { AnimeMeError } from '../errors.js';
import { expectOneOf, invalidParameter, is } from '../validate.js';
import { runEngine } from './engine.js';
import { resolveStyleParams } from './styles.js';

export interface EmbeddedStylizerOptions {
  /**
   * Yield to the event loop between steps so a caller's abort can land mid-stylize
   * (default true; turn off for the last few ms in a worker that is never cancelled).
   */
  yieldBetweenSteps?: boolean;
}

/** Largest side the engine accepts; the pipeline hands it ~512 px, this only stops accidents. */
const MAX_SIDE = 4096;

export function createEmbeddedStylizer(options: EmbeddedStylizerOptions = {}): Stylizer {
  const yieldBetweenSteps = options.yieldBetweenSteps ?? true;
  return {
    name: 'embedded',
    styles: EMBEDDED_STYLES,
    async stylize(request: StylizeRequest, context: StageContext = {}): Promise<RgbImage> {
      validateRequest(request);
      const style = expectOneOf(request.style, 'style', EMBEDDED_STYLES);
      const params = resolveStyleParams(style, request.params);
      const { signal, onProgress } = context;
      const checkpoint = async (progress: number): Promise<void> => {
        if (yieldBetweenSteps) await new Promise<void>((resolve) => setTimeout(resolve, 0));
        if (signal?.aborted) throw new AnimeMeError('CANCELLED', 'Stylize was cancelled');
        onProgress?.({ stage: 'stylize', progress });
      };
      if (signal?.aborted) throw new AnimeMeError('CANCELLED', 'Stylize was cancelled');
      onProgress?.({ stage: 'stylize', progress: 0 });
      const out = await runEngine({ image: request.image, analysis: request.analysis, style, params, seed: request.seed >>> 0 }, checkpoint);
      onProgress?.({ stage: 'stylize', progress: 1 });
      return out;
    },
    async dispose(): Promise<void> {
      // Nothing held: the engine allocates per call.
    },
  };
}

function validateRequest(request: StylizeRequest): void {
  if (!is.plainObject(request as unknown)) throw invalidParameter('a stylize request object', 'request', request);
  const image = request.image;
  if (!image || !is.integer(image.width) || !is.integer(image.height) || image.width <= 0 || image.height <= 0) {
    throw invalidParameter('an RgbImage with positive integer width and height', 'request.image', image);
  }
  if (image.width > MAX_SIDE || image.height > MAX_SIDE) {
    throw new AnimeMeError('TOO_LARGE', `Stylize input is ${image.width}x${image.height}; resize to at most ${MAX_SIDE} px per side first`);
  }
  if (!(image.data instanceof Uint8Array) || image.data.length !== image.width * image.height * 3) {
    throw invalidParameter(`Uint8Array of length ${image.width * image.height * 3}`, 'request.image.data', image.data);
  }
  const analysis = request.analysis;
  if (!analysis || !Array.isArray(analysis.people)) throw invalidParameter('a SceneAnalysis', 'request.analysis', analysis);
  if (analysis.width !== image.width || analysis.height !== image.height) {
    throw invalidParameter(`analysis of ${image.width}x${image.height} (same pixels as the image)`, 'request.analysis', `${analysis.width}x${analysis.height}`);
  }
  if (!is.number(request.seed)) throw invalidParameter('finite number', 'request.seed', request.seed);
}
