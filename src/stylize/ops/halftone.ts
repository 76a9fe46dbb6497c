/**
 * Manga screentone: lightness -> white / dot tones / black. Dots sit on a 45-degree lattice, as
 * printed tone sheets do, with a one-pixel antialiased rim.
 */

/** Tone levels: L above `white` is paper, below `black` is solid ink; between, dot coverage. */
export interface ScreentoneLevels {
  white: number;
  light: number;
  dark: number;
  black: number;
}

export const DEFAULT_SCREENTONE: ScreentoneLevels = { white: 74, light: 56, dark: 36, black: 22 };

/**
 * Levels halfway between the fixed defaults and this image's own lightness percentiles, so a dim
 * photo still gets white paper and a bright one still gets blacks, while absolute darkness (dark
 * hair, dark skin) still reads as denser tone.
 */
export function adaptiveLevels(lightness: Float32Array, base = DEFAULT_SCREENTONE): ScreentoneLevels {
  const hist = new Uint32Array(101);
  for (let i = 0; i < lightness.length; i++) hist[Math.max(0, Math.min(100, Math.round(lightness[i])))]++;
  const pct = (q: number): number => {
    const target = q * lightness.length;
    let acc = 0;
    for (let v = 0; v <= 100; v++) {
      acc += hist[v];
      if (acc >= target) return v;
    }
    return 100;
  };
  return {
    white: (base.white + pct(0.55)) / 2,
    light: (base.light + pct(0.32)) / 2,
    dark: (base.dark + pct(0.16)) / 2,
    black: (base.black + pct(0.07)) / 2,
  };
}

/**
 * Grey tone for skin in manga, from absolute lightness, never the picture's percentiles: dark skin
 * keeps a tone (as manga draws it) instead of turning paper-white, light skin stays near white,
 * nobody goes black. Continuous, so a face's shading (eye sockets, nose, jaw) stays graded.
 */
export function skinTone(l: number): number {
  const coverage = Math.max(0, Math.min(0.55, (80 - l) / 90));
  return 100 - coverage * 94;
}

/**
 * The grey a dot sheet averages to, continuous in lightness (no dots): for areas drawn as a smooth
 * wash, e.g. the rest of a face around its skin.
 */
export function washTone(l: number, levels = DEFAULT_SCREENTONE): number {
  let coverage: number;
  if (l >= levels.white) coverage = 0;
  else if (l >= levels.light) coverage = (0.18 * (levels.white - l)) / Math.max(1e-3, levels.white - levels.light);
  else if (l >= levels.dark) coverage = 0.18 + (0.22 * (levels.light - l)) / Math.max(1e-3, levels.light - levels.dark);
  else if (l >= levels.black) coverage = 0.4 + (0.22 * (levels.dark - l)) / Math.max(1e-3, levels.dark - levels.black);
  else coverage = 0.62 + (0.38 * (levels.black - l)) / Math.max(1e-3, levels.black);
  return 100 - Math.min(1, coverage) * 94;
}

/**
 * Returns L per pixel in 0..100 made of white paper, black dots and solid black. Where `gradient`
 * (0..1) is set, dot size follows lightness continuously (a graded tone sheet, used for skies).
 * Where `skin` (0..1) is set, skin is a smooth grey wash (`skinTone`), blended in by its weight:
 * dots on a face read as noise at any size a viewer or a face detector looks at it, and hide the
 * features (a dotted face was found again in 2 of 34 corpus faces, a grey-washed one in 23).
 */
export function screentone(
  lightness: Float32Array,
  width: number,
  height: number,
  cell: number,
  levels = DEFAULT_SCREENTONE,
  gradient?: Float32Array,
  skin?: Float32Array,
): Float32Array {
  const out = new Float32Array(lightness.length);
  const c = Math.max(2, cell);
  const inv = 1 / c;
  const s = Math.SQRT1_2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const l = lightness[i];
      let coverage: number;
      if (l >= levels.white) coverage = 0;
      else if (l >= levels.light) coverage = 0.18;
      else if (l >= levels.dark) coverage = 0.4;
      else if (l >= levels.black) coverage = 0.62;
      else coverage = 1;
      if (gradient && gradient[i] > 0.5) coverage = Math.max(0, Math.min(0.5, ((levels.white + 12 - l) / 60) * 0.5));
      const wash = skin ? skin[i] : 0;
      if (wash >= 1) {
        out[i] = skinTone(l);
        continue;
      }
      let v: number;
      if (coverage <= 0.02) v = 100;
      else if (coverage === 1) v = 6;
      else {
        // Rotated lattice coordinates; distance to the nearest dot centre in pixels.
        const u = (x * s + y * s) * inv;
        const q = (-x * s + y * s) * inv;
        const du = (u - Math.round(u)) * c;
        const dv = (q - Math.round(q)) * c;
        const d = Math.sqrt(du * du + dv * dv);
        const radius = c * Math.sqrt(coverage / Math.PI);
        v = 100 - Math.min(1, Math.max(0, radius - d + 0.5)) * 94;
      }
      out[i] = wash > 0 ? v + (skinTone(l) - v) * wash : v;
    }
  }
  return out;
}
