/**
 * Colour maths for the evaluation: CIELAB and ITA come from the analyser's skin-tone module (one
 * definition of "skin tone" in the project: sRGB IEC 61966-2-1 → CIE Lab with the D65 white,
 * ITA = atan2(L* − 50, b*)); CIEDE2000 and the signed shift convention are the evaluation's own.
 */
import { itaFromLab, MONOCHROME_CHROMA, srgbToLab as analyseSrgbToLab } from '../analyse/skin-tone.js';

export type Lab = [number, number, number];
export type Rgb = [number, number, number];

/** Mean skin chroma below which a face is colourless (a black-and-white photo), per the analyser. */
export { MONOCHROME_CHROMA };

/** 8-bit sRGB → CIELAB D65. */
export function srgbToLab(r: number, g: number, b: number): Lab {
  return analyseSrgbToLab(r, g, b);
}

export function chroma(lab: Lab): number {
  return Math.hypot(lab[1], lab[2]);
}

/**
 * Individual Typology Angle in degrees: higher = lighter skin (> 55 very light, < −30 dark, by
 * Chardon et al.'s bands). atan2 keeps it defined when b* ≤ 0 (grey or bluish pixels), where the
 * plain atan formula would flip sign.
 */
export function ita(lab: Lab): number {
  return itaFromLab(lab[0], lab[2]);
}

/**
 * Signed ITA shift from input to output, in degrees: ITA_out − ITA_in.
 * Convention: positive = the output skin is LIGHTER than the photo ("lightened"),
 * negative = darker ("darkened").
 */
export function itaShift(input: Lab, output: Lab): number {
  return ita(output) - ita(input);
}

const DEG = Math.PI / 180;
const POW25_7 = 25 ** 7;

/** CIEDE2000 colour difference (kL = kC = kH = 1), per Sharma, Wu & Dalal (2005). */
export function deltaE2000(lab1: Lab, lab2: Lab): number {
  const [l1, a1, b1] = lab1;
  const [l2, a2, b2] = lab2;
  const c1 = Math.hypot(a1, b1);
  const c2 = Math.hypot(a2, b2);
  const cMean = (c1 + c2) / 2;
  const cMean7 = cMean ** 7;
  const g = 0.5 * (1 - Math.sqrt(cMean7 / (cMean7 + POW25_7)));
  const a1p = (1 + g) * a1;
  const a2p = (1 + g) * a2;
  const c1p = Math.hypot(a1p, b1);
  const c2p = Math.hypot(a2p, b2);
  const h1p = hueDegrees(a1p, b1);
  const h2p = hueDegrees(a2p, b2);

  const dLp = l2 - l1;
  const dCp = c2p - c1p;
  let dhp = 0;
  if (c1p * c2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(c1p * c2p) * Math.sin((dhp / 2) * DEG);

  const lMean = (l1 + l2) / 2;
  const cpMean = (c1p + c2p) / 2;
  let hpMean = h1p + h2p;
  if (c1p * c2p !== 0) {
    if (Math.abs(h1p - h2p) <= 180) hpMean = (h1p + h2p) / 2;
    else hpMean = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
  }
  const t =
    1 -
    0.17 * Math.cos((hpMean - 30) * DEG) +
    0.24 * Math.cos(2 * hpMean * DEG) +
    0.32 * Math.cos((3 * hpMean + 6) * DEG) -
    0.2 * Math.cos((4 * hpMean - 63) * DEG);
  const dTheta = 30 * Math.exp(-(((hpMean - 275) / 25) ** 2));
  const cpMean7 = cpMean ** 7;
  const rc = 2 * Math.sqrt(cpMean7 / (cpMean7 + POW25_7));
  const lm50 = (lMean - 50) ** 2;
  const sl = 1 + (0.015 * lm50) / Math.sqrt(20 + lm50);
  const sc = 1 + 0.045 * cpMean;
  const sh = 1 + 0.015 * cpMean * t;
  const rt = -Math.sin(2 * dTheta * DEG) * rc;
  const tl = dLp / sl;
  const tc = dCp / sc;
  const th = dHp / sh;
  return Math.sqrt(tl * tl + tc * tc + th * th + rt * tc * th);
}

function hueDegrees(a: number, b: number): number {
  if (a === 0 && b === 0) return 0;
  const h = Math.atan2(b, a) / DEG;
  return h < 0 ? h + 360 : h;
}
