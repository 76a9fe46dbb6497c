/**
 * The share composite: original and anime version as two equal panels on a plain frame, with a
 * small caption strip underneath, sized for posting from a phone.
 *
 * Arrangement: portrait and square panels sit side by side (the pair comes out roughly square or
 * wide); landscape panels are stacked (roughly square or tall, which fills a phone screen better than
 * a 3:1 strip). The original always comes first, left or top, so the composite reads before → after
 * in the same direction as text in both arrangements.
 */
import { createRgbImage, type Mask, type RgbImage } from '../core/raster.js';
import type { Box } from '../core/types.js';
import { expectIntegerInRange, expectOneOf, invalidParameter, is } from '../validate.js';
import { createBitmapTextRenderer } from './bitmap-font.js';
import { blendMask, blit, lightness, roundedRectMask, type Rgb } from './draw.js';
import { coverRgb, resampleMask } from '../core/resample.js';
import type { TextRenderer } from './text-renderer.js';

export const SHARE_LAYOUTS = ['auto', 'side-by-side', 'stacked'] as const;
export type ShareLayoutOption = (typeof SHARE_LAYOUTS)[number];
export type ShareArrangement = Exclude<ShareLayoutOption, 'auto'>;

/** ASCII so the built-in font draws all of it; an edge with a full font can pass e.g. "anime-me · 异次元的我". */
export const DEFAULT_CAPTION = 'anime-me';
export const DEFAULT_MAX_SIDE = 1280;
export const MIN_MAX_SIDE = 64;
export const MAX_MAX_SIDE = 8192;
/** Warm off-white: reads as a photo-print border and keeps dark caption text high-contrast. */
export const DEFAULT_BACKGROUND: Rgb = [250, 248, 244];
export const DEFAULT_LABELS: readonly [string, string] = ['before', 'after'];
export const MAX_CAPTION_LENGTH = 200;
const MAX_LABEL_LENGTH = 40;
const MAX_IMAGE_SIDE = 65535;

export interface ComposeOptions {
  /** One line under the panels; default DEFAULT_CAPTION. Empty (or only spaces) omits the strip. */
  caption?: string;
  /** 'auto' (default): side by side for portrait/square panels, stacked for landscape ones. */
  layout?: ShareLayoutOption;
  /** Cap on the composite's longer side in pixels (64..8192, default 1280). Panels shrink to fit; never grow. */
  maxSide?: number;
  /** Frame and caption-strip colour, 0..255 each; default DEFAULT_BACKGROUND. */
  background?: Rgb;
  /** Caption text colour; default dark on light backgrounds, light on dark ones. */
  foreground?: Rgb;
  /** Small corner tags on the panels: true for DEFAULT_LABELS, or [original, anime] texts. Default false. */
  labels?: boolean | readonly [string, string];
  /** Draws caption and labels; default the built-in ASCII bitmap font. See text-renderer.ts. */
  textRenderer?: TextRenderer;
}

export interface ShareLayout {
  width: number;
  height: number;
  arrangement: ShareArrangement;
  /** Frame width around and between the panels. */
  margin: number;
  /** [original, anime]: same size, the anime's aspect ratio. */
  panels: [Box, Box];
  /** Box the caption text is centred in (its height is the text height to render at), or null without a caption. */
  caption: Box | null;
  /** Text height the panel labels are rendered at (used only when labels are on). */
  labelHeight: number;
}

interface ResolvedOptions {
  caption: string;
  layout: ShareLayoutOption;
  maxSide: number;
  background: Rgb;
  foreground: Rgb;
  labels: readonly [string, string] | null;
  textRenderer: TextRenderer;
}

const OPTION_NAMES = ['caption', 'layout', 'maxSide', 'background', 'foreground', 'labels', 'textRenderer'] as const;

function expectColor(value: unknown, name: string): Rgb {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => is.integer(v) && is.inRange(v, 0, 255))) {
    throw invalidParameter('array of 3 integers between 0 and 255', name, value);
  }
  return [value[0], value[1], value[2]];
}

function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (!is.plainObject(options)) throw invalidParameter('options object', 'options', options);
  for (const key of Object.keys(options)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) throw invalidParameter(`one of ${OPTION_NAMES.join(', ')}`, 'option name', key);
  }
  const o = options as Record<string, unknown>;

  let caption = DEFAULT_CAPTION;
  if (o.caption !== undefined) {
    if (!is.string(o.caption) || o.caption.length > MAX_CAPTION_LENGTH) {
      throw invalidParameter(`string of at most ${MAX_CAPTION_LENGTH} characters`, 'caption', o.caption);
    }
    // One line: line breaks and tabs become spaces rather than vanishing glyphs.
    caption = o.caption.replace(/\s+/gu, ' ').trim();
  }
  const layout = o.layout === undefined ? 'auto' : expectOneOf(o.layout, 'layout', SHARE_LAYOUTS);
  const maxSide = o.maxSide === undefined ? DEFAULT_MAX_SIDE : expectIntegerInRange(o.maxSide, 'maxSide', MIN_MAX_SIDE, MAX_MAX_SIDE);
  const background = o.background === undefined ? DEFAULT_BACKGROUND : expectColor(o.background, 'background');
  const foreground =
    o.foreground === undefined
      ? lightness(background) > 0.5
        ? ([40, 40, 44] as const)
        : ([240, 240, 236] as const)
      : expectColor(o.foreground, 'foreground');

  let labels: readonly [string, string] | null = null;
  if (o.labels !== undefined && o.labels !== false) {
    if (o.labels === true) labels = DEFAULT_LABELS;
    else if (
      Array.isArray(o.labels) &&
      o.labels.length === 2 &&
      o.labels.every((l) => is.string(l) && l.length <= MAX_LABEL_LENGTH)
    ) {
      labels = [o.labels[0], o.labels[1]];
    } else {
      throw invalidParameter(`boolean or a pair of strings of at most ${MAX_LABEL_LENGTH} characters`, 'labels', o.labels);
    }
  }
  let textRenderer: TextRenderer;
  if (o.textRenderer === undefined) textRenderer = createBitmapTextRenderer();
  else if (typeof o.textRenderer === 'function') textRenderer = o.textRenderer as TextRenderer;
  else throw invalidParameter('function', 'textRenderer', o.textRenderer);

  return { caption, layout, maxSide, background, foreground, labels, textRenderer };
}

function expectRgbImage(value: unknown, name: string): RgbImage {
  if (typeof value !== 'object' || value === null) throw invalidParameter('RgbImage with width, height and data', name, value);
  const image = value as Partial<RgbImage>;
  const width = expectIntegerInRange(image.width, `${name}.width`, 1, MAX_IMAGE_SIDE);
  const height = expectIntegerInRange(image.height, `${name}.height`, 1, MAX_IMAGE_SIDE);
  if (!(image.data instanceof Uint8Array)) throw invalidParameter('Uint8Array', `${name}.data`, image.data);
  const expected = width * height * 3;
  if (image.data.length !== expected) throw invalidParameter(`${expected} (width × height × 3)`, `${name}.data.length`, image.data.length);
  return image as RgbImage;
}

function arrangementFor(panel: { width: number; height: number }, layout: ShareLayoutOption): ShareArrangement {
  if (layout !== 'auto') return layout;
  return panel.width > panel.height ? 'stacked' : 'side-by-side';
}

/** Full geometry for panels of pw × ph; frame and text sizes follow the panel's short side. */
function labelHeightFor(panel: { width: number; height: number }): number {
  return Math.max(8, Math.round(Math.min(panel.width, panel.height) * 0.045));
}

function measure(pw: number, ph: number, arrangement: ShareArrangement, withCaption: boolean): ShareLayout {
  const base = Math.min(pw, ph);
  const margin = Math.max(2, Math.round(base * 0.03));
  const textHeight = withCaption ? Math.max(8, Math.round(base * 0.055)) : 0;
  const captionSpace = withCaption ? textHeight + margin : 0;
  const sideBySide = arrangement === 'side-by-side';
  const width = sideBySide ? 3 * margin + 2 * pw : 2 * margin + pw;
  const height = (sideBySide ? 2 * margin + ph : 3 * margin + 2 * ph) + captionSpace;
  const second = sideBySide ? { x: 2 * margin + pw, y: margin } : { x: margin, y: 2 * margin + ph };
  return {
    width,
    height,
    arrangement,
    margin,
    panels: [
      { x: margin, y: margin, width: pw, height: ph },
      { ...second, width: pw, height: ph },
    ],
    caption: withCaption ? { x: margin, y: height - margin - textHeight, width: width - 2 * margin, height: textHeight } : null,
    labelHeight: labelHeightFor({ width: pw, height: ph }),
  };
}

function layoutFor(anime: { width: number; height: number }, o: ResolvedOptions): ShareLayout {
  const arrangement = arrangementFor(anime, o.layout);
  const withCaption = o.caption !== '';
  const wide = anime.width >= anime.height;
  const longSide = wide ? anime.width : anime.height;
  const shortSide = wide ? anime.height : anime.width;
  // Panels keep the anime's aspect ratio; `l` is the panel's long side.
  const at = (l: number): ShareLayout => {
    const s = Math.max(1, Math.round((l * shortSide) / longSide));
    return wide ? measure(l, s, arrangement, withCaption) : measure(s, l, arrangement, withCaption);
  };
  const fits = (l: number): boolean => {
    const m = at(l);
    return Math.max(m.width, m.height) <= o.maxSide;
  };
  if (fits(longSide)) return at(longSide);
  // Proportional first guess, then a few unit steps: rounding of frame and text sizes is not linear.
  const full = at(longSide);
  let l = Math.max(1, Math.floor((longSide * o.maxSide) / Math.max(full.width, full.height)));
  while (l > 1 && !fits(l)) l--;
  while (l + 1 < longSide && fits(l + 1)) l++;
  return at(l);
}

/** Where everything goes, without drawing: lets an edge pre-render the caption at `caption.height`. */
export function planShareLayout(anime: { width: number; height: number }, options?: ComposeOptions): ShareLayout {
  const o = resolveOptions(options);
  expectIntegerInRange(anime?.width, 'anime.width', 1, MAX_IMAGE_SIDE);
  expectIntegerInRange(anime?.height, 'anime.height', 1, MAX_IMAGE_SIDE);
  return layoutFor(anime, o);
}

function renderText(renderer: TextRenderer, text: string, heightPx: number): Mask {
  const mask = renderer(text, heightPx);
  const ok =
    typeof mask === 'object' &&
    mask !== null &&
    is.integer(mask.width) &&
    is.integer(mask.height) &&
    mask.width >= 0 &&
    mask.height >= 0 &&
    mask.data instanceof Uint8Array &&
    mask.data.length === mask.width * mask.height;
  if (!ok) throw invalidParameter('Mask with width × height bytes of data', 'textRenderer result', mask);
  return mask;
}

/** Shrink (never enlarge) `mask` to fit width × height, keeping aspect ratio; null when nothing is left. */
function fitMask(mask: Mask, width: number, height: number): Mask | null {
  if (mask.width === 0 || mask.height === 0 || width < 1 || height < 1) return null;
  const scale = Math.min(1, width / mask.width, height / mask.height);
  if (scale === 1) return mask;
  const w = Math.max(1, Math.round(mask.width * scale));
  const h = Math.max(1, Math.round(mask.height * scale));
  return resampleMask(mask, Math.min(w, width), Math.min(h, height), { filter: 'area' });
}

function drawCaption(out: RgbImage, box: Box, o: ResolvedOptions): void {
  const mask = fitMask(renderText(o.textRenderer, o.caption, box.height), box.width, box.height);
  if (!mask) return;
  blendMask(out, mask, box.x + Math.floor((box.width - mask.width) / 2), box.y + Math.floor((box.height - mask.height) / 2), o.foreground);
}

/** A light tag on a translucent dark pill in the panel's top-left corner: legible on any photo. */
function drawLabel(out: RgbImage, panel: Box, text: string, renderer: TextRenderer): void {
  if (text.trim() === '') return;
  const textHeight = labelHeightFor(panel);
  const padX = Math.round(textHeight * 0.5);
  const padY = Math.round(textHeight * 0.2);
  const inset = Math.max(2, Math.round(textHeight * 0.5));
  const mask = fitMask(renderText(renderer, text, textHeight), panel.width - 2 * inset - 2 * padX, panel.height - 2 * inset - 2 * padY);
  if (!mask || mask.height < 4) return;
  const pillWidth = mask.width + 2 * padX;
  const pillHeight = mask.height + 2 * padY;
  const x = panel.x + inset;
  const y = panel.y + inset;
  blendMask(out, roundedRectMask(pillWidth, pillHeight, pillHeight / 2), x, y, [0, 0, 0], 0.55);
  blendMask(out, mask, x + padX, y + padY, [255, 255, 255]);
}

/**
 * Compose the share image: `original` and `anime` as two equal panels (the anime's aspect ratio; the
 * original is scaled to cover and centre-cropped, never stretched), framed, with an optional caption.
 * Panels are only ever shrunk, to keep the composite's longer side within `maxSide`.
 */
export function composeShare(original: RgbImage, anime: RgbImage, options?: ComposeOptions): RgbImage {
  expectRgbImage(original, 'original');
  expectRgbImage(anime, 'anime');
  const o = resolveOptions(options);
  const layout = layoutFor(anime, o);
  const [first, second] = layout.panels;

  const out = createRgbImage(layout.width, layout.height, o.background);
  blit(out, coverRgb(original, first.width, first.height), first.x, first.y);
  blit(out, coverRgb(anime, second.width, second.height), second.x, second.y);
  if (o.labels) {
    drawLabel(out, first, o.labels[0], o.textRenderer);
    drawLabel(out, second, o.labels[1], o.textRenderer);
  }
  if (layout.caption) drawCaption(out, layout.caption, o);
  return out;
}
