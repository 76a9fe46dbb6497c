/**
 * RgbImage → PNG / JPEG / WebP bytes. Output carries no metadata at all (no EXIF, GPS, ICC, XMP):
 * sharp writes none unless asked, and raw input has none to carry over. Settings are pinned so the
 * same pixels always give the same bytes (useful for caching and for tests).
 */
import { insertPngTextChunks } from '../core/png-text.js';
import type { RgbImage } from '../core/raster.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../pipeline/codec.js';
import { expectIntegerInRange, expectOneOf, invalidParameter, is } from '../validate.js';
import { expectRgbImage, rawInput, toPlainBytes } from './rgb-image.js';
import { wrapInternalError } from './sharp-errors.js';
import { sharp } from './sharp-setup.js';

// The formats are part of the pipeline's codec contract; this module is its sharp implementation.
export { OUTPUT_FORMATS, type OutputFormat } from '../pipeline/codec.js';

/** Quality used when none is given: visually clean for illustration-like images at modest size. */
export const DEFAULT_QUALITY = 90;

export interface EncodeOptions {
  format: OutputFormat;
  /** 1–100, for jpeg and webp (ignored for png, which is lossless). Default DEFAULT_QUALITY. */
  quality?: number;
  /**
   * PNG text chunks, e.g. `{ parameters: formatInfotext(p) }` for A1111 compatibility. PNG only:
   * JPEG/WebP would need EXIF, which we never write.
   */
  text?: Record<string, string>;
}

export async function encodeImage(image: RgbImage, options: EncodeOptions): Promise<Uint8Array> {
  expectRgbImage(image);
  if (!is.plainObject(options)) throw invalidParameter('options object', 'options', options);
  const format = expectOneOf(options.format, 'format', OUTPUT_FORMATS);
  const quality = options.quality === undefined ? DEFAULT_QUALITY : expectIntegerInRange(options.quality, 'quality', 1, 100);
  if (options.text !== undefined && (format !== 'png' || !is.plainObject(options.text))) {
    throw invalidParameter('text entries only with format png', 'text', options.text);
  }

  let bytes: Uint8Array;
  try {
    const base = sharp(image.data, rawInput(image));
    const out =
      format === 'png'
        ? // No adaptive filtering or palette: fixed filter choice keeps output stable across runs.
          base.png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
        : format === 'jpeg'
          ? base.jpeg({ quality, mozjpeg: true, chromaSubsampling: '4:2:0' })
          : base.webp({ quality, effort: 4, smartSubsample: false });
    bytes = toPlainBytes(await out.toBuffer());
  } catch (error) {
    throw wrapInternalError(error, `encode ${format}`);
  }
  return options.text && Object.keys(options.text).length > 0 ? insertPngTextChunks(bytes, options.text) : bytes;
}
