/**
 * The one place that imports sharp. Importing this module locks libvips down for the whole process:
 *
 * - Every libvips loader is blocked, then only the buffer loaders for the formats we accept are
 *   unblocked (JPEG, PNG, WebP, and HEIF for AVIF; HEIC is refused earlier by the sniffer). This
 *   keeps SVG (librsvg parses XML and runs a renderer), TIFF, GIF, PDF, the native `.v` format and
 *   everything else out of reach, even if the sniffer were fooled. It is also the workaround for
 *   GHSA-f88m-g3jw-g9cj (Nsgif/Tiff/Vips loaders). See conventions.md §7 and reliability.md G4.
 * - The operation cache is off: inputs are untrusted one-off uploads, so caching buys nothing and
 *   holds memory (libvips developer checklist).
 *
 * Creating images from raw pixels or `create` is not a loader operation, so encoding still works.
 */
import sharp from 'sharp';

/** libvips loader operations left usable; everything else under VipsForeignLoad is blocked. */
export const ALLOWED_LOADERS = [
  'VipsForeignLoadJpegBuffer',
  'VipsForeignLoadPngBuffer',
  'VipsForeignLoadWebpBuffer',
  'VipsForeignLoadHeifBuffer',
] as const;

sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: [...ALLOWED_LOADERS] });
sharp.cache(false);

export { sharp };
