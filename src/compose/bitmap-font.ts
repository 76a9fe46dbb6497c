/**
 * A compact built-in 5×7 bitmap font (printable ASCII plus a few typographic marks) so captions
 * render with no font files and no platform text API. Rows 0–6 hold capitals and digits (baseline
 * under row 6); row 7 is the one descender row used by g, j, p, q, y and a few marks.
 * Glyphs are scaled by whole factors only: a pixel font stays crisp that way.
 */
import { createMask, type Mask } from '../core/raster.js';
import { expectPositiveInteger } from '../validate.js';
import { resampleMask } from '../core/resample.js';
import type { TextRenderer } from './text-renderer.js';

export const BITMAP_GLYPH_WIDTH = 5;
export const BITMAP_GLYPH_HEIGHT = 8;
/** Blank columns between glyphs, in font pixels. */
const SPACING = 1;

// One glyph per entry: 8 rows of 5 columns, '#' = ink.
const GLYPH_SOURCE: ReadonlyArray<readonly [string, string]> = [
  [' ', '..... ..... ..... ..... ..... ..... ..... .....'],
  ['!', '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#.. .....'],
  ['"', '.#.#. .#.#. .#.#. ..... ..... ..... ..... .....'],
  ['#', '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#. .....'],
  ['$', '..#.. .#### #.#.. .###. ..#.# ####. ..#.. .....'],
  ['%', '##... ##..# ...#. ..#.. .#... #..## ...## .....'],
  ['&', '.##.. #..#. #.#.. .#... #.#.# #..#. .##.# .....'],
  ["'", '..#.. ..#.. .#... ..... ..... ..... ..... .....'],
  ['(', '...#. ..#.. .#... .#... .#... ..#.. ...#. .....'],
  [')', '.#... ..#.. ...#. ...#. ...#. ..#.. .#... .....'],
  ['*', '..... ..#.. #.#.# .###. #.#.# ..#.. ..... .....'],
  ['+', '..... ..#.. ..#.. ##### ..#.. ..#.. ..... .....'],
  [',', '..... ..... ..... ..... ..... .##.. ..#.. .#...'],
  ['-', '..... ..... ..... ##### ..... ..... ..... .....'],
  ['.', '..... ..... ..... ..... ..... .##.. .##.. .....'],
  ['/', '..... ....# ...#. ..#.. .#... #.... ..... .....'],
  ['0', '.###. #...# #..## #.#.# ##..# #...# .###. .....'],
  ['1', '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###. .....'],
  ['2', '.###. #...# ....# ...#. ..#.. .#... ##### .....'],
  ['3', '##### ...#. ..#.. ...#. ....# #...# .###. .....'],
  ['4', '...#. ..##. .#.#. #..#. ##### ...#. ...#. .....'],
  ['5', '##### #.... ####. ....# ....# #...# .###. .....'],
  ['6', '..##. .#... #.... ####. #...# #...# .###. .....'],
  ['7', '##### ....# ...#. ..#.. .#... .#... .#... .....'],
  ['8', '.###. #...# #...# .###. #...# #...# .###. .....'],
  ['9', '.###. #...# #...# .#### ....# ...#. .##.. .....'],
  [':', '..... .##.. .##.. ..... .##.. .##.. ..... .....'],
  [';', '..... .##.. .##.. ..... .##.. ..#.. .#... .....'],
  ['<', '...#. ..#.. .#... #.... .#... ..#.. ...#. .....'],
  ['=', '..... ..... ##### ..... ##### ..... ..... .....'],
  ['>', '.#... ..#.. ...#. ....# ...#. ..#.. .#... .....'],
  ['?', '.###. #...# ....# ...#. ..#.. ..... ..#.. .....'],
  ['@', '.###. #...# ....# .##.# #.#.# #.#.# .###. .....'],
  ['A', '.###. #...# #...# ##### #...# #...# #...# .....'],
  ['B', '####. #...# #...# ####. #...# #...# ####. .....'],
  ['C', '.###. #...# #.... #.... #.... #...# .###. .....'],
  ['D', '###.. #..#. #...# #...# #...# #..#. ###.. .....'],
  ['E', '##### #.... #.... ####. #.... #.... ##### .....'],
  ['F', '##### #.... #.... ####. #.... #.... #.... .....'],
  ['G', '.###. #...# #.... #.### #...# #...# .#### .....'],
  ['H', '#...# #...# #...# ##### #...# #...# #...# .....'],
  ['I', '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###. .....'],
  ['J', '..### ...#. ...#. ...#. ...#. #..#. .##.. .....'],
  ['K', '#...# #..#. #.#.. ##... #.#.. #..#. #...# .....'],
  ['L', '#.... #.... #.... #.... #.... #.... ##### .....'],
  ['M', '#...# ##.## #.#.# #.#.# #...# #...# #...# .....'],
  ['N', '#...# #...# ##..# #.#.# #..## #...# #...# .....'],
  ['O', '.###. #...# #...# #...# #...# #...# .###. .....'],
  ['P', '####. #...# #...# ####. #.... #.... #.... .....'],
  ['Q', '.###. #...# #...# #...# #.#.# #..#. .##.# .....'],
  ['R', '####. #...# #...# ####. #.#.. #..#. #...# .....'],
  ['S', '.#### #.... #.... .###. ....# ....# ####. .....'],
  ['T', '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. .....'],
  ['U', '#...# #...# #...# #...# #...# #...# .###. .....'],
  ['V', '#...# #...# #...# #...# #...# .#.#. ..#.. .....'],
  ['W', '#...# #...# #...# #.#.# #.#.# #.#.# .#.#. .....'],
  ['X', '#...# #...# .#.#. ..#.. .#.#. #...# #...# .....'],
  ['Y', '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#.. .....'],
  ['Z', '##### ....# ...#. ..#.. .#... #.... ##### .....'],
  ['[', '.###. .#... .#... .#... .#... .#... .###. .....'],
  ['\\', '..... #.... .#... ..#.. ...#. ....# ..... .....'],
  [']', '.###. ...#. ...#. ...#. ...#. ...#. .###. .....'],
  ['^', '..#.. .#.#. #...# ..... ..... ..... ..... .....'],
  ['_', '..... ..... ..... ..... ..... ..... ..... #####'],
  ['`', '.#... ..#.. ...#. ..... ..... ..... ..... .....'],
  ['a', '..... ..... .###. ....# .#### #...# .#### .....'],
  ['b', '#.... #.... #.##. ##..# #...# #...# ####. .....'],
  ['c', '..... ..... .###. #.... #.... #...# .###. .....'],
  ['d', '....# ....# .##.# #..## #...# #...# .#### .....'],
  ['e', '..... ..... .###. #...# ##### #.... .###. .....'],
  ['f', '..##. .#..# .#... ###.. .#... .#... .#... .....'],
  ['g', '..... ..... .#### #...# #...# .#### ....# .###.'],
  ['h', '#.... #.... #.##. ##..# #...# #...# #...# .....'],
  ['i', '..#.. ..... .##.. ..#.. ..#.. ..#.. .###. .....'],
  ['j', '...#. ..... ..##. ...#. ...#. ...#. #..#. .##..'],
  ['k', '#.... #.... #..#. #.#.. ##... #.#.. #..#. .....'],
  ['l', '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###. .....'],
  ['m', '..... ..... ##.#. #.#.# #.#.# #...# #...# .....'],
  ['n', '..... ..... #.##. ##..# #...# #...# #...# .....'],
  ['o', '..... ..... .###. #...# #...# #...# .###. .....'],
  ['p', '..... ..... ####. #...# #...# ####. #.... #....'],
  ['q', '..... ..... .#### #...# #...# .#### ....# ....#'],
  ['r', '..... ..... #.##. ##..# #.... #.... #.... .....'],
  ['s', '..... ..... .###. #.... .###. ....# ####. .....'],
  ['t', '.#... .#... ###.. .#... .#... .#..# ..##. .....'],
  ['u', '..... ..... #...# #...# #...# #..## .##.# .....'],
  ['v', '..... ..... #...# #...# #...# .#.#. ..#.. .....'],
  ['w', '..... ..... #...# #...# #.#.# #.#.# .#.#. .....'],
  ['x', '..... ..... #...# .#.#. ..#.. .#.#. #...# .....'],
  ['y', '..... ..... #...# #...# #...# .#### ....# .###.'],
  ['z', '..... ..... ##### ...#. ..#.. .#... ##### .....'],
  ['{', '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#. .....'],
  ['|', '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. .....'],
  ['}', '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#... .....'],
  ['~', '..... ..... .#... #.#.# ...#. ..... ..... .....'],
  ['\u00b7', '..... ..... ..... .##.. .##.. ..... ..... .....'],
  ['\u2022', '..... ..... .###. .###. .###. ..... ..... .....'],
];

/** The "missing glyph" box (tofu): says "a character was here" without guessing what it was. */
const MISSING_SOURCE = '##### #...# #...# #...# #...# #...# ##### .....';

/** Marks with a close ASCII stand-in, so common typography survives in the pixel font. */
const SUBSTITUTES: Readonly<Record<string, string>> = {
  '\u2018': "'", '\u2019': "'", '\u201a': ',', '\u201c': '"', '\u201d': '"', '\u201e': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
  '\u2026': '...', '\u00d7': 'x', '\u00a0': ' ', '\u3000': ' ', '\u30fb': '\u00b7',
};

/** A glyph: one 5-bit row mask per row, bit 4 = leftmost column. */
type Glyph = Uint8Array;

function parseGlyph(source: string): Glyph {
  const rows = source.split(' ');
  const glyph = new Uint8Array(BITMAP_GLYPH_HEIGHT);
  rows.forEach((row, r) => {
    for (let c = 0; c < BITMAP_GLYPH_WIDTH; c++) if (row[c] === '#') glyph[r] |= 1 << (BITMAP_GLYPH_WIDTH - 1 - c);
  });
  return glyph;
}

const GLYPHS = new Map<string, Glyph>(GLYPH_SOURCE.map(([ch, source]) => [ch, parseGlyph(source)]));
const MISSING = parseGlyph(MISSING_SOURCE);

/** The raw glyph table, for tests and tools: character → 8 rows of 5 '#'/'.' columns. */
export const BITMAP_FONT_SOURCE: ReadonlyMap<string, string> = new Map(GLYPH_SOURCE);

export function hasBitmapGlyph(char: string): boolean {
  return GLYPHS.has(char);
}

export interface BitmapTextOptions {
  /** What to draw for a character the font lacks: a hollow box (default) or nothing. */
  missing?: 'box' | 'skip';
}

/** User-perceived characters, so an emoji sequence or a base + accent becomes one glyph, not several. */
function graphemes(text: string): string[] {
  if (typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function') {
    return Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment);
  }
  return Array.from(text);
}

function glyphsFor(text: string, missing: 'box' | 'skip'): Glyph[] {
  const out: Glyph[] = [];
  for (const cluster of graphemes(text)) {
    const direct = GLYPHS.get(cluster);
    if (direct) {
      out.push(direct);
      continue;
    }
    if (/^\s+$/u.test(cluster)) {
      out.push(GLYPHS.get(' ')!);
      continue;
    }
    const substitute = SUBSTITUTES[cluster];
    if (substitute !== undefined) {
      for (const ch of substitute) out.push(GLYPHS.get(ch)!);
      continue;
    }
    // "é" → "e": dropping the accent reads better than a box.
    const base = cluster.normalize('NFD').replace(/\p{M}/gu, '');
    const baseGlyph = GLYPHS.get(base);
    if (baseGlyph) {
      out.push(baseGlyph);
      continue;
    }
    // Controls, format characters (zero-width joiners, BOM) and stray marks have no ink anyway.
    if (/^[\p{Cc}\p{Cf}\p{M}]*$/u.test(cluster)) continue;
    if (missing === 'box') out.push(MISSING);
  }
  return out;
}

/** Width in pixels of `text` at integer `scale` (0 for nothing to draw). */
export function measureBitmapText(text: string, scale = 1, options: BitmapTextOptions = {}): number {
  const count = glyphsFor(text, options.missing ?? 'box').length;
  return count === 0 ? 0 : (count * (BITMAP_GLYPH_WIDTH + SPACING) - SPACING) * scale;
}

function drawGlyphs(glyphs: Glyph[], scale: number, height: number, top: number): Mask {
  const advance = (BITMAP_GLYPH_WIDTH + SPACING) * scale;
  const width = glyphs.length === 0 ? 0 : glyphs.length * advance - SPACING * scale;
  const mask = createMask(width, height);
  glyphs.forEach((glyph, g) => {
    for (let r = 0; r < BITMAP_GLYPH_HEIGHT; r++) {
      const bits = glyph[r];
      if (!bits) continue;
      for (let c = 0; c < BITMAP_GLYPH_WIDTH; c++) {
        if (!(bits & (1 << (BITMAP_GLYPH_WIDTH - 1 - c)))) continue;
        const x0 = g * advance + c * scale;
        for (let y = top + r * scale; y < top + (r + 1) * scale; y++) mask.data.fill(255, y * width + x0, y * width + x0 + scale);
      }
    }
  });
  return mask;
}

/**
 * Render one line as a mask exactly `heightPx` rows tall: glyphs at the largest whole scale that
 * fits, centred vertically. Below 8 px the 1× rendering is averaged down (blurry but legible-ish).
 */
export function renderBitmapText(text: string, heightPx: number, options: BitmapTextOptions = {}): Mask {
  expectPositiveInteger(heightPx, 'heightPx');
  const glyphs = glyphsFor(text, options.missing ?? 'box');
  if (heightPx < BITMAP_GLYPH_HEIGHT) {
    const full = drawGlyphs(glyphs, 1, BITMAP_GLYPH_HEIGHT, 0);
    if (full.width === 0) return createMask(0, heightPx);
    const width = Math.max(1, Math.round((full.width * heightPx) / BITMAP_GLYPH_HEIGHT));
    return resampleMask(full, width, heightPx, { filter: 'area' });
  }
  const scale = Math.floor(heightPx / BITMAP_GLYPH_HEIGHT);
  return drawGlyphs(glyphs, scale, heightPx, Math.floor((heightPx - scale * BITMAP_GLYPH_HEIGHT) / 2));
}

/** The default TextRenderer: the built-in bitmap font. */
export function createBitmapTextRenderer(options: BitmapTextOptions = {}): TextRenderer {
  return (text, heightPx) => renderBitmapText(text, heightPx, options);
}
