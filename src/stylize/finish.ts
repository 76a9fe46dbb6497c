/**
 * Per-style finishing on the flat cel image: pigment, paper and a faded border (watercolour),
 * glow, haze and sparkles (dreamy), screentone (manga); then the ink goes on, then grain.
 * Faces (`protect`) are left out of every colour effect so skin tone stays the person's own.
 */
import type { EmbeddedStyle } from '../core/types.js';
import { boxBlur, boxBlurGaussian, gaussianBlur } from './ops/blur.js';
import type { LabImage } from './ops/color.js';
import { adaptiveLevels, screentone, washTone } from './ops/halftone.js';
import { deriveSeed, fractalNoise, mulberry32, whiteNoise } from './ops/noise.js';
import { scratchFloat } from './ops/scratch.js';
import { smoothstep } from './ops/skin.js';
import type { StyleParams } from './styles.js';
import type { PreparedFaces } from './face-features.js';

export interface FinishContext {
  style: EmbeddedStyle;
  params: StyleParams;
  seed: number;
  /** 0..1: faces and skin, kept out of colour effects. */
  protect: Float32Array;
  /** 0..1: faces and their surroundings, kept out of washes (haze, glow, faded border). */
  shield: Float32Array;
  person: Float32Array;
  /** 0..1: people and pets, where sparkles never land and manga keeps its own tone detail. */
  subjects: Float32Array;
  /** 0..1 sky weight (screentone grades smoothly there). */
  sky: Float32Array | null;
  faces: PreparedFaces;
}

export function applyFinish(src: LabImage, ink: Float32Array, ctx: FinishContext): LabImage {
  const { params: p, protect } = ctx;
  const { width, height } = src;
  const n = width * height;
  const out: LabImage = { width, height, l: src.l.slice(), a: src.a.slice(), b: src.b.slice() };

  if (p.pigmentEdges > 0) pigment(out, p, deriveSeed(ctx.seed, 3), protect);
  if (p.haze > 0) haze(out, ctx.shield, ctx.person, p);
  if (p.bloom > 0 || p.warmth > 0 || p.softFocus > 0) glow(out, ctx.shield, p);
  if (p.sparkles > 0) sparkles(out, ctx.subjects, p, deriveSeed(ctx.seed, 7));
  if (p.monochrome > 0) manga(out, p, ctx.sky, protect, ctx.faces.area, ctx.subjects);

  // Ink: a dark version of the local colour reads as anime line art; manga uses pure black;
  // watercolour lines break up like pencil.
  const chromaKeep = p.monochrome > 0 ? 0 : 0.35;
  const breakup = p.lineBreakup > 0 ? fractalNoise(width, height, deriveSeed(ctx.seed, 5), 6, 2, scratchFloat('ink.breakup', n)) : null;
  for (let i = 0; i < n; i++) {
    let a = ink[i] * p.lineOpacity;
    if (a <= 0) continue;
    if (breakup) a *= Math.max(0, Math.min(1, 1 - p.lineBreakup * (0.5 - breakup[i] * 1.5)));
    out.l[i] += (p.lineLightness - out.l[i]) * a;
    out.a[i] *= 1 - a * (1 - chromaKeep);
    out.b[i] *= 1 - a * (1 - chromaKeep);
  }

  ctx.faces.paintOver(out, p);

  if (p.paper > 0) paper(out, p, deriveSeed(ctx.seed, 11), ctx.shield);
  if (p.borderFade > 0) fadeBorder(out, ctx.shield, p, deriveSeed(ctx.seed, 17));
  if (p.grain > 0) {
    const g = whiteNoise(width, height, deriveSeed(ctx.seed, 13));
    const amt = p.grain * 4;
    for (let i = 0; i < n; i++) out.l[i] += g[i] * amt;
  }
  for (let i = 0; i < n; i++) out.l[i] = out.l[i] < 0 ? 0 : out.l[i] > 100 ? 100 : out.l[i];
  return out;
}

/**
 * Watercolour pigment: darker rims where washes meet (pigment pools at a wet edge), granulation
 * that gathers in the darker washes, and slow density variation across each wash.
 */
function pigment(img: LabImage, p: StyleParams, seed: number, protect: Float32Array): void {
  const { width, height } = img;
  const n = width * height;
  const soft = gaussianBlur(img.l, width, height, 1);
  const blotch = fractalNoise(width, height, deriveSeed(seed, 1), 40, 3, scratchFloat('pigment.blotch', width * height));
  const gran = fractalNoise(width, height, deriveSeed(seed, 2), 2, 2, scratchFloat('pigment.gran', width * height));
  const k = p.pigmentEdges;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const gx = x > 0 && x < width - 1 ? soft[i + 1] - soft[i - 1] : 0;
      const gy = y > 0 && y < height - 1 ? soft[i + width] - soft[i - width] : 0;
      const edge = Math.min(1, Math.sqrt(gx * gx + gy * gy) / 14);
      const depth = (100 - img.l[i]) / 100;
      // Density > 1 darkens toward the wash's own colour, < 1 lets the paper through.
      // Faces get a light touch: blotches and granules read as skin marks and hide features.
      const d = 1 + k * (edge * 0.35 + (blotch[i] * 0.14 + gran[i] * 0.1 * depth) * (1 - 0.7 * protect[i]));
      img.l[i] = 100 - (100 - img.l[i]) * d;
      const c = 1 + (d - 1) * 0.5;
      img.a[i] *= c;
      img.b[i] *= c;
    }
  }
}

/** Cold-press paper: embossed fibres (a relief lit from the top left) and a warm off-white. */
function paper(img: LabImage, p: StyleParams, seed: number, protect: Float32Array): void {
  const { width, height } = img;
  const fibre = fractalNoise(width, height, seed, 4, 3, scratchFloat('paper.fibre', width * height));
  for (let y = 0; y < height - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      const i = y * width + x;
      const relief = fibre[i] - fibre[i + width + 1];
      // Fibres barely show through faces, where they read as skin texture and hide features.
      img.l[i] += relief * 14 * p.paper * (1 - 0.85 * protect[i]);
      const light = Math.max(0, img.l[i] - 82) / 18;
      img.a[i] += light * 0.8 * p.paper;
      img.b[i] += light * 3.5 * p.paper;
    }
  }
}

/** The wash stops short of the picture's edge with a ragged border, leaving bare paper. */
function fadeBorder(img: LabImage, protect: Float32Array, p: StyleParams, seed: number): void {
  const { width, height } = img;
  const rag = fractalNoise(width, height, seed, 24, 3, scratchFloat('border.rag', width * height));
  const margin = Math.max(6, Math.min(width, height) * 0.07);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const d = Math.min(x, y, width - 1 - x, height - 1 - y) + rag[i] * margin * 0.6;
      const t = Math.max(0, Math.min(1, d / margin));
      const fade = (1 - t * t * (3 - 2 * t)) * p.borderFade * (1 - protect[i]);
      if (fade <= 0) continue;
      img.l[i] += (97 - img.l[i]) * fade;
      img.a[i] += (1 - img.a[i]) * fade;
      img.b[i] += (5 - img.b[i]) * fade;
    }
  }
}

/** Dreamy haze: a pastel pink-to-peach wash, over the background more than people, never faces. */
function haze(img: LabImage, protect: Float32Array, person: Float32Array, p: StyleParams): void {
  const { width, height } = img;
  for (let y = 0; y < height; y++) {
    const t = y / Math.max(1, height - 1);
    const hl = 88 + 4 * t;
    const ha = 14 - 6 * t;
    const hb = -8 + 22 * t;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // An atmosphere, so mostly behind people: dark hair and clothes must not turn pastel grey.
      const w = p.haze * (1 - protect[i]) * (1 - 0.6 * person[i]);
      if (w <= 0) continue;
      // Screen-like: lifts darks more than lights, tints everything a little.
      img.l[i] += (hl - img.l[i]) * w * 0.5;
      img.a[i] += (ha - img.a[i]) * w * 0.4;
      img.b[i] += (hb - img.b[i]) * w * 0.4;
    }
  }
}

/** Dreamy: bright areas bleed light (bloom), a soft-focus halo, a warm tint; faces excluded. */
function glow(img: LabImage, protect: Float32Array, p: StyleParams): void {
  const { width, height } = img;
  const n = width * height;
  const bright = new Float32Array(n);
  for (let i = 0; i < n; i++) bright[i] = Math.max(0, img.l[i] - 65) / 35;
  const halo = boxBlurGaussian(bright, width, height, Math.max(4, width / 48));
  const softL = p.softFocus > 0 ? boxBlurGaussian(img.l, width, height, Math.max(3, width / 90)) : null;
  for (let i = 0; i < n; i++) {
    const w = 1 - protect[i];
    if (w <= 0) continue;
    const h = halo[i] * p.bloom * w;
    let l = img.l[i];
    if (softL) {
      // Screen a blurred copy: light spreads into the shadows around it.
      const s = softL[i];
      const screened = 100 - ((100 - l) * (100 - s)) / 100;
      l += (screened - l) * p.softFocus * w;
    }
    img.l[i] = l + (100 - l) * Math.min(0.6, h * 0.9);
    img.a[i] += (p.warmth * 5 + h * 6) * w;
    img.b[i] += p.warmth * 8 * w;
  }
}

/** Four-point star sparkles and soft bokeh dots, seeded, on bright areas away from people and pets. */
function sparkles(img: LabImage, subjects: Float32Array, p: StyleParams, seed: number): void {
  const { width, height } = img;
  const rand = mulberry32(seed);
  const count = Math.round((p.sparkles * width * height) / 100000);
  let placed = 0;
  for (let attempt = 0; attempt < count * 20 && placed < count; attempt++) {
    const x = Math.floor(rand() * width);
    const y = Math.floor(Math.pow(rand(), 1.6) * height);
    const big = rand() < 0.3;
    const size = (big ? 8 : 3) + rand() * Math.max(4, width / (big ? 30 : 60));
    const i = y * width + x;
    // Bright, pale places only (sky, walls, light): a sparkle on a saturated or mid-tone area is
    // more likely on an animal or object the detectors missed.
    if (subjects[i] > 0.2 || img.l[i] < 60 || Math.hypot(img.a[i], img.b[i]) > 30) continue;
    placed++;
    const r = Math.ceil(size);
    const bokeh = rand() < 0.35;
    for (let dy = -r; dy <= r; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -r; dx <= r; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= width) continue;
        let v: number;
        if (bokeh) {
          // A soft translucent disc with a slightly brighter rim.
          const d = Math.hypot(dx, dy) / size;
          v = d >= 1 ? 0 : 0.22 + 0.12 * d * d;
        } else {
          const ax = Math.abs(dx) / size;
          const ay = Math.abs(dy) / size;
          const arm = Math.max((1 - ax) * Math.exp(-dy * dy * 1.5), (1 - ay) * Math.exp(-dx * dx * 1.5));
          const core = Math.exp(-(dx * dx + dy * dy) / (size * 0.12 + 0.6));
          v = Math.min(1, Math.max(0, arm) + core);
        }
        if (v <= 0.01) continue;
        const j = yy * width + xx;
        v *= 1 - Math.min(1, subjects[j] * 2);
        img.l[j] += (100 - img.l[j]) * v * 0.9;
        img.a[j] *= 1 - v * 0.6;
        img.b[j] *= 1 - v * 0.6;
      }
    }
  }
}

/**
 * Manga: white, two screentones and black from lightness; colour dropped. Faces are a smooth grey
 * wash instead of dots (dots on a face read as noise at any size a viewer or a face detector sees
 * it, and hide the features): skin by its absolute lightness (`skinTone`), the rest of the face's
 * area (brows, eyes, hair at the temples) by the same levels as the dots, averaged.
 */
function manga(img: LabImage, p: StyleParams, sky: Float32Array | null, zone: Float32Array, area: Float32Array, subjects: Float32Array): void {
  const { width, height } = img;
  const n = width * height;
  const levels = adaptiveLevels(img.l);
  const calm = calmTexture(img.l, width, height, subjects, area);
  const skin = new Float32Array(n);
  for (let i = 0; i < n; i++) skin[i] = smoothstep(0.25, 0.65, zone[i]);
  const tone = screentone(calm, width, height, p.halftoneCell, levels, sky ?? undefined, skin);
  for (let i = 0; i < n; i++) {
    const g = area[i] * (1 - skin[i]);
    if (g > 0) tone[i] += (washTone(img.l[i], levels) - tone[i]) * g;
    img.l[i] = tone[i];
    img.a[i] = 0;
    img.b[i] = 0;
  }
}

/**
 * Lightness for choosing screentone levels: in busy texture away from people, pets and faces (grass,
 * foliage, gravel) the local average, so a lawn is one or two even dot sheets instead of a speckle of
 * white, dots and black blots; smooth areas and subjects keep their own lightness.
 */
function calmTexture(l: Float32Array, width: number, height: number, subjects: Float32Array, area: Float32Array): Float32Array {
  const n = width * height;
  const r = Math.max(2, Math.round(Math.min(width, height) / 160));
  const mean = boxBlur(l, width, height, r);
  const sq = new Float32Array(n);
  for (let i = 0; i < n; i++) sq[i] = l[i] * l[i];
  const meanSq = boxBlur(sq, width, height, r, sq);
  const wide = boxBlurGaussian(l, width, height, Math.max(4, Math.min(width, height) / 60));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const sd = Math.sqrt(Math.max(0, meanSq[i] - mean[i] * mean[i]));
    const k = smoothstep(2.5, 7, sd) * (1 - Math.min(1, subjects[i] * 1.5)) * (1 - area[i]);
    out[i] = l[i] + (wide[i] - l[i]) * k;
  }
  return out;
}
