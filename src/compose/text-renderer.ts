/**
 * How the compose stage turns caption and label text into pixels.
 *
 * The portable core cannot ship a CJK (or emoji) font, so text rendering is injectable: the built-in
 * bitmap font (printable ASCII, see bitmap-font.ts) is the default, and an edge that has a real
 * font engine passes its own renderer, e.g.
 *
 * - a browser: draw with `CanvasRenderingContext2D.fillText` on an OffscreenCanvas of `heightPx`
 *   rows, then return the alpha channel as the mask;
 * - Node: sharp renders text asynchronously, while a renderer must be synchronous. So render before
 *   composing: `planShareLayout()` gives `caption.height` and `labelHeight`; pre-render each string
 *   at its height (sharp's `text` input or an SVG `<text>`, alpha channel as mask) and pass
 *   `createPrerenderedTextRenderer([[caption, mask], ...])`.
 *
 * A renderer returns coverage, not colour: the compositor owns colour and blending (caption colour
 * follows the background; labels are light on a dark pill), so one renderer serves every use.
 */
import type { Mask } from '../core/raster.js';
import { createBitmapTextRenderer } from './bitmap-font.js';

/**
 * Render one line of text as coverage (0 = background, 255 = ink), ideally `heightPx` rows tall,
 * tight horizontally. Any size is accepted: the compositor shrinks a mask that does not fit its box
 * (keeping aspect ratio) and centres one that is smaller. Return a zero-width mask for text with
 * nothing to draw. Must not throw on characters it cannot draw (skip them or draw a neutral glyph).
 */
export type TextRenderer = (text: string, heightPx: number) => Mask;

/**
 * A renderer that answers from masks rendered ahead of time (by an asynchronous font engine), keyed
 * by exact text; anything else goes to `fallback` (default: the built-in bitmap font).
 */
export function createPrerenderedTextRenderer(
  masks: Iterable<readonly [string, Mask]>,
  fallback: TextRenderer = createBitmapTextRenderer(),
): TextRenderer {
  const byText = new Map(masks);
  return (text, heightPx) => byText.get(text) ?? fallback(text, heightPx);
}
