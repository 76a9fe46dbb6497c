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
 * Returns L per pixel in 0..100 made of white paper, black dots and solid black. Where `gradient`
 * (0..1) is set, dot size follows lightness continuously (a graded tone sheet, used for skies);
 * where `skin` is set, tone follows the skin's absolute lightness.
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
      // Skin uses absolute lightness, never the picture's percentiles: dark skin keeps a tone (as
      // manga draws it) instead of turning paper-white, light skin stays white, nobody goes black.
      if (skin && skin[i] > 0.5) coverage = l >= 68 ? 0 : l >= 52 ? 0.14 : l >= 38 ? 0.26 : 0.36;
      if (coverage <= 0.02) {
        out[i] = 100;
        continue;
      }
      if (coverage === 1) {
        out[i] = 6;
        continue;
      }
      // Rotated lattice coordinates; distance to the nearest dot centre in pixels.
      const u = (x * s + y * s) * inv;
      const v = (-x * s + y * s) * inv;
      const du = (u - Math.round(u)) * c;
      const dv = (v - Math.round(v)) * c;
      const d = Math.sqrt(du * du + dv * dv);
      const radius = c * Math.sqrt(coverage / Math.PI);
      const inkAmt = Math.min(1, Math.max(0, radius - d + 0.5));
      out[i] = 100 - inkAmt * 94;
    }
  }
  return out;
}
