import { test } from 'node:test';
import assert from 'node:assert/strict';
import { itaFromLab, labToSrgb, skinToneFromSamples, srgbToLab } from '../../src/analyse/skin-tone.js';

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);
}

function samplesOf(colours: [number, number, number][], counts: number[]): Uint8Array {
  const out: number[] = [];
  colours.forEach((c, i) => {
    for (let k = 0; k < counts[i]; k++) out.push(...c);
  });
  return Uint8Array.from(out);
}

test('srgbToLab matches reference D65 values', () => {
  const white = srgbToLab(255, 255, 255);
  close(white[0], 100, 0.01, 'white L');
  close(white[1], 0, 0.01, 'white a');
  close(white[2], 0, 0.01, 'white b');
  assert.deepEqual(srgbToLab(0, 0, 0).map((v) => Math.round(v * 100) / 100), [0, 0, 0]);
  // Reference: sRGB red = Lab(53.24, 80.09, 67.20).
  const red = srgbToLab(255, 0, 0);
  close(red[0], 53.24, 0.05, 'red L');
  close(red[1], 80.09, 0.1, 'red a');
  close(red[2], 67.2, 0.1, 'red b');
  // Mid grey 119 is L ≈ 50.
  close(srgbToLab(119, 119, 119)[0], 50, 0.5, 'grey L');
});

test('labToSrgb inverts srgbToLab within one level', () => {
  for (const rgb of [[212, 179, 153], [90, 56, 37], [255, 224, 196], [30, 20, 15]] as const) {
    const lab = srgbToLab(rgb[0], rgb[1], rgb[2]);
    const back = labToSrgb(lab[0], lab[1], lab[2]);
    back.forEach((v, i) => close(v, rgb[i], 1, `channel ${i} of ${rgb.join(',')}`));
  }
});

test('itaFromLab gives the textbook angles', () => {
  close(itaFromLab(70, 20), 45, 1e-9, 'L70 b20');
  close(itaFromLab(50, 15), 0, 1e-9, 'L50');
  close(itaFromLab(30, 20), -45, 1e-9, 'L30 b20');
  close(itaFromLab(50 + 20 * Math.sqrt(3), 20), 60, 1e-9, 'tan 60');
});

test('skinToneFromSamples recovers a known Lab colour and its ITA', () => {
  // Lab(70, 10, 20) → ITA 45°; sRGB quantisation moves it by a fraction of a degree.
  const skin = labToSrgb(70, 10, 20);
  const tone = skinToneFromSamples(samplesOf([skin], [400]));
  assert.ok(tone);
  close(tone.ita, 45, 1, 'ITA');
  close(tone.lab[0], 70, 0.5, 'L');
  close(tone.lab[2], 20, 0.5, 'b');
  assert.equal(tone.monochrome, undefined);
});

test('skinToneFromSamples ignores hair, shadow and highlight outliers', () => {
  const skin = labToSrgb(45, 15, 22); // a darker skin: ITA ≈ -12.8°
  const hair: [number, number, number] = [25, 20, 18];
  const highlight: [number, number, number] = [250, 248, 245];
  const tone = skinToneFromSamples(samplesOf([skin, hair, highlight], [800, 150, 50]));
  assert.ok(tone);
  close(tone.ita, (Math.atan2(45 - 50, 22) * 180) / Math.PI, 1.5, 'ITA with outliers');
  // The naive mean would be pulled far off by 20 % outliers.
  close(tone.lab[0], 45, 1, 'L with outliers');
});

test('skinToneFromSamples flags grey skin as monochrome and refuses too few samples', () => {
  const grey = skinToneFromSamples(samplesOf([[128, 128, 128]], [100]));
  assert.ok(grey);
  assert.equal(grey.monochrome, true);
  assert.equal(skinToneFromSamples(samplesOf([[200, 160, 140]], [5])), undefined);
});
