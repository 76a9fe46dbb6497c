/** Compose stage: portable (typed arrays only), so it also runs in a browser. */
export {
  composeShare,
  planShareLayout,
  DEFAULT_BACKGROUND,
  DEFAULT_CAPTION,
  DEFAULT_LABELS,
  DEFAULT_MAX_SIDE,
  MAX_CAPTION_LENGTH,
  MAX_MAX_SIDE,
  MIN_MAX_SIDE,
  SHARE_LAYOUTS,
  type ComposeOptions,
  type ShareArrangement,
  type ShareLayout,
  type ShareLayoutOption,
} from './share.js';
export {
  BITMAP_FONT_SOURCE,
  BITMAP_GLYPH_HEIGHT,
  BITMAP_GLYPH_WIDTH,
  createBitmapTextRenderer,
  hasBitmapGlyph,
  measureBitmapText,
  renderBitmapText,
  type BitmapTextOptions,
} from './bitmap-font.js';
export { createPrerenderedTextRenderer, type TextRenderer } from './text-renderer.js';
export { coverCrop, coverRgb, resampleMask, resampleRgb, RESAMPLE_FILTERS, type ResampleFilter, type ResampleOptions } from '../core/resample.js';
export type { Rgb } from './draw.js';
