/**
 * Bytes in, upright 8-bit sRGB RGB pixels out, with every check done before the expensive part:
 * empty → byte length → type by magic bytes → header-only size check → full decode.
 *
 * Animated WebP decodes to its first frame only (sharp reads page 0, as imgproxy's default of one
 * animation frame does); its declared canvas still goes through the size limits. GIF, animated or
 * not, is refused by the type check. test/hostile/ holds the hostile-input corpus and the fuzzer.
 */
import { AnimeMeError } from '../errors.js';
import type { RgbImage } from '../core/raster.js';
import { expectPositiveInteger, invalidParameter, is } from '../validate.js';
import { sharp } from './sharp-setup.js';
import { toPlainBytes } from './rgb-image.js';
import { wrapDecodeError } from './sharp-errors.js';
import { ACCEPTED_FORMATS_TEXT, sniffImageType, type ImageFormat } from './sniff.js';
import { readDeclaredSize } from './declared-size.js';

/**
 * 50 MP: above any phone or consumer camera sensor in common use (most are 12–48 MP), and the
 * figure imgproxy uses; at 3 bytes/pixel the decoded image is ≤150 MB. sharp's own default
 * (~268 MP, ~800 MB) is far too generous for a service decoding several uploads at once (G2).
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * 16384 px per side: WebP cannot exceed 16383 anyway, and a longer side is a panorama or a
 * crafted strip rather than a photo of people; it also bounds per-row buffers.
 */
export const DEFAULT_MAX_DIMENSION = 16_384;

/**
 * 64 MiB of input: twice a full-quality JPEG from a 48–50 MP phone or camera sensor (15–30 MB).
 * A photo saved as lossless PNG fits up to roughly 25–35 MP (about 1.5 bytes/pixel); bigger PNGs
 * are refused even under the pixel limit, which we accept, since camera photos arrive as JPEG or
 * HEIC. Checked before anything parses the bytes, so a caller that forgot its own upload limit
 * still cannot make the decoder walk hundreds of MB of appended junk or metadata. A service should
 * set its upload limit lower (reliability.md G3, e.g. 15 MB).
 */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * failOn 'error': rejects every truncation point we tried and broken IHDR/IDAT data, but tolerates
 * libjpeg *warnings* such as "extraneous bytes before marker" that real camera/editor files carry
 * while decoding fine. 'warning' (sharp's default) would refuse those; 'truncated' would let
 * CRC-damaged image data through.
 */
const FAIL_ON = 'error' as const;

export interface DecodeOptions {
  /** Refuse inputs longer than this many bytes, before any parsing (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  /** Refuse images whose header declares more pixels than this (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Refuse images whose header declares a side longer than this (default DEFAULT_MAX_DIMENSION). */
  maxDimension?: number;
  /** Shrink (never enlarge) so the longer upright side is at most this; done during decode. */
  maxSide?: number;
}

export interface DecodedImage {
  /** Upright (EXIF orientation applied), sRGB, 8-bit, 3 channels, alpha flattened onto white. */
  image: RgbImage;
  format: ImageFormat;
  /** Upright size of the full image before any `maxSide` shrink. */
  originalWidth: number;
  originalHeight: number;
  hadAlpha: boolean;
  /** The EXIF orientation tag that was applied (1 = none / already upright). */
  orientation: number;
}

const WHITE = { r: 255, g: 255, b: 255 };

function readOptions(options: DecodeOptions | undefined): Required<Omit<DecodeOptions, 'maxSide'>> & { maxSide?: number } {
  if (options === undefined) return { maxBytes: DEFAULT_MAX_BYTES, maxPixels: DEFAULT_MAX_PIXELS, maxDimension: DEFAULT_MAX_DIMENSION };
  if (!is.plainObject(options)) throw invalidParameter('options object', 'options', options);
  const maxBytes = options.maxBytes === undefined ? DEFAULT_MAX_BYTES : expectPositiveInteger(options.maxBytes, 'maxBytes');
  const maxPixels = options.maxPixels === undefined ? DEFAULT_MAX_PIXELS : expectPositiveInteger(options.maxPixels, 'maxPixels');
  const maxDimension =
    options.maxDimension === undefined ? DEFAULT_MAX_DIMENSION : expectPositiveInteger(options.maxDimension, 'maxDimension');
  const maxSide = options.maxSide === undefined ? undefined : expectPositiveInteger(options.maxSide, 'maxSide');
  return maxSide === undefined ? { maxBytes, maxPixels, maxDimension } : { maxBytes, maxPixels, maxDimension, maxSide };
}

function checkSize(width: number, height: number, maxPixels: number, maxDimension: number): void {
  if (width * height > maxPixels || width > maxDimension || height > maxDimension) {
    throw new AnimeMeError(
      'TOO_MANY_PIXELS',
      `The image is ${width}x${height} (${(width * height / 1e6).toFixed(1)} MP); the limit is ${(maxPixels / 1e6).toFixed(1)} MP and ${maxDimension} px per side`,
      { details: { width, height, maxPixels, maxDimension } },
    );
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${n} bytes`;
}

export async function decodeImage(bytes: Uint8Array, options?: DecodeOptions): Promise<DecodedImage> {
  if (!(bytes instanceof Uint8Array)) throw invalidParameter('Uint8Array of image bytes', 'bytes', bytes);
  const { maxBytes, maxPixels, maxDimension, maxSide } = readOptions(options);
  if (bytes.length === 0) throw new AnimeMeError('EMPTY_INPUT', 'The image is empty (0 bytes); send a photo');
  if (bytes.length > maxBytes) {
    throw new AnimeMeError(
      'TOO_LARGE',
      `The image is ${formatBytes(bytes.length)}; the limit is ${formatBytes(maxBytes)}`,
      { details: { bytes: bytes.length, maxBytes } },
    );
  }

  const sniffed = await sniffImageType(bytes);
  if (!sniffed.accepted) {
    const what = sniffed.name === 'unrecognised data' ? 'The data is not a recognised image' : `${sniffed.name} is not accepted`;
    throw new AnimeMeError('UNSUPPORTED_TYPE', `${what}; send ${ACCEPTED_FORMATS_TEXT}`, {
      details: { detected: sniffed.name, ...(sniffed.mime ? { mime: sniffed.mime } : {}) },
    });
  }
  const { format, name } = sniffed;
  const declared = readDeclaredSize(bytes, format);
  if (declared) checkSize(declared.width, declared.height, maxPixels, maxDimension);

  // Header only: sharp's metadata() does not decode pixels, so bombs are refused cheaply (G2).
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (error) {
    throw wrapDecodeError(error, name);
  }
  if (format === 'avif' && meta.compression === 'hevc') {
    throw new AnimeMeError('UNSUPPORTED_TYPE', `HEIC is not accepted; send ${ACCEPTED_FORMATS_TEXT}`, {
      details: { detected: 'HEIC' },
    });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!(width > 0 && height > 0)) {
    throw new AnimeMeError('CORRUPT_IMAGE', `The ${name} image declares no usable size (${width}x${height})`);
  }
  checkSize(width, height, maxPixels, maxDimension);
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const upright = orientation >= 5 ? { width: height, height: width } : { width, height };

  try {
    // limitInputPixels again as a second guard in case the decoder disagrees with the header read.
    let pipeline = sharp(bytes, { failOn: FAIL_ON, limitInputPixels: maxPixels, autoOrient: true });
    if (maxSide !== undefined && Math.max(upright.width, upright.height) > maxSide) {
      // Resize right after load lets libjpeg/libwebp shrink while decoding (shrink-on-load).
      pipeline = pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' });
    }
    const { data, info } = await pipeline
      .flatten({ background: WHITE })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new AnimeMeError('CORRUPT_IMAGE', `The ${name} image decoded to an unexpected layout (${info.channels} channels)`);
    }
    return {
      image: { width: info.width, height: info.height, data: toPlainBytes(data) },
      format,
      originalWidth: upright.width,
      originalHeight: upright.height,
      hadAlpha: meta.hasAlpha === true,
      orientation,
    };
  } catch (error) {
    throw wrapDecodeError(error, name);
  }
}
