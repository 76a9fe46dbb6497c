import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaE2000, ita, itaShift, srgbToLab, type Lab } from '../../src/eval/colour.js';

// Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula", Table 1: L1 a1 b1 L2 a2 b2 ΔE00.
const SHARMA = `
50.0000 2.6772 -79.7751 50.0000 0.0000 -82.7485 2.0425
50.0000 3.1571 -77.2803 50.0000 0.0000 -82.7485 2.8615
50.0000 2.8361 -74.0200 50.0000 0.0000 -82.7485 3.4412
50.0000 -1.3802 -84.2814 50.0000 0.0000 -82.7485 1.0000
50.0000 -1.1848 -84.8006 50.0000 0.0000 -82.7485 1.0000
50.0000 -0.9009 -85.5211 50.0000 0.0000 -82.7485 1.0000
50.0000 0.0000 0.0000 50.0000 -1.0000 2.0000 2.3669
50.0000 -1.0000 2.0000 50.0000 0.0000 0.0000 2.3669
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0009 7.1792
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0010 7.1792
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0011 7.2195
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0012 7.2195
50.0000 -0.0010 2.4900 50.0000 0.0009 -2.4900 4.8045
50.0000 -0.0010 2.4900 50.0000 0.0010 -2.4900 4.8045
50.0000 -0.0010 2.4900 50.0000 0.0011 -2.4900 4.7461
50.0000 2.5000 0.0000 50.0000 0.0000 -2.5000 4.3065
50.0000 2.5000 0.0000 73.0000 25.0000 -18.0000 27.1492
50.0000 2.5000 0.0000 61.0000 -5.0000 29.0000 22.8977
50.0000 2.5000 0.0000 56.0000 -27.0000 -3.0000 31.9030
50.0000 2.5000 0.0000 58.0000 24.0000 15.0000 19.4535
50.0000 2.5000 0.0000 50.0000 3.1736 0.5854 1.0000
50.0000 2.5000 0.0000 50.0000 3.2972 0.0000 1.0000
50.0000 2.5000 0.0000 50.0000 1.8634 0.5757 1.0000
50.0000 2.5000 0.0000 50.0000 3.2592 0.3350 1.0000
60.2574 -34.0099 36.2677 60.4626 -34.1751 39.4387 1.2644
63.0109 -31.0961 -5.8663 62.8187 -29.7946 -4.0864 1.2630
61.2901 3.7196 -5.3901 61.4292 2.2480 -4.9620 1.8731
35.0831 -44.1164 3.7933 35.0232 -40.0716 1.5901 1.8645
22.7233 20.0904 -46.6940 23.0331 14.9730 -42.5619 2.0373
36.4612 47.8580 18.3852 36.2715 50.5065 21.2231 1.4146
90.8027 -2.0831 1.4410 91.1528 -1.6435 0.0447 1.4441
90.9257 -0.5406 -0.9208 88.6381 -0.8985 -0.7239 1.5381
6.7747 -0.2908 -2.4247 5.8714 -0.0985 -2.2286 0.6377
2.0776 0.0795 -1.1350 0.9033 -0.0636 -0.5514 0.9082
`;

test('CIEDE2000 reproduces all 34 Sharma et al. reference pairs, in both orders', () => {
  const rows = SHARMA.trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
  assert.equal(rows.length, 34);
  for (const [i, r] of rows.entries()) {
    const a: Lab = [r[0], r[1], r[2]];
    const b: Lab = [r[3], r[4], r[5]];
    assert.ok(Math.abs(deltaE2000(a, b) - r[6]) < 5e-5, `pair ${i + 1}: ${deltaE2000(a, b)} vs ${r[6]}`);
    assert.ok(Math.abs(deltaE2000(b, a) - r[6]) < 5e-5, `pair ${i + 1} reversed`);
  }
});

test('identical colours differ by exactly 0', () => {
  for (const lab of [[0, 0, 0], [50, 20, -30], [100, 0, 0]] as Lab[]) assert.equal(deltaE2000(lab, lab), 0);
});

test('sRGB → Lab matches the standard D65 values', () => {
  const close = (got: Lab, want: Lab, tol: number) => got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < tol, `${got} vs ${want}`));
  close(srgbToLab(255, 255, 255), [100, 0, 0], 1e-3);
  close(srgbToLab(0, 0, 0), [0, 0, 0], 1e-9);
  close(srgbToLab(255, 0, 0), [53.2408, 80.0925, 67.2032], 0.01);
  close(srgbToLab(0, 0, 255), [32.2970, 79.1875, -107.8602], 0.02);
  // Mid grey: L* of sRGB 119 is ≈ 50 and grey has no chroma.
  const grey = srgbToLab(119, 119, 119);
  assert.ok(Math.abs(grey[0] - 50.03) < 0.05 && Math.abs(grey[1]) < 1e-3 && Math.abs(grey[2]) < 1e-3);
});

test('ITA: higher = lighter, with the textbook values', () => {
  assert.ok(Math.abs(ita([60, 10, 10]) - 45) < 1e-9); // atan(10/10)
  assert.ok(Math.abs(ita([40, 10, 10]) + 45) < 1e-9);
  assert.ok(Math.abs(ita([50, 10, 20])) < 1e-9);
  const darkSkin = srgbToLab(96, 62, 45);
  const lightSkin = srgbToLab(236, 200, 180);
  assert.ok(ita(lightSkin) > 41, `light skin ITA ${ita(lightSkin)}`);
  assert.ok(ita(darkSkin) < -30, `dark skin ITA ${ita(darkSkin)}`);
});

test('ITA shift is output − input: lightening is positive, darkening negative, none is 0', () => {
  const skin = srgbToLab(150, 100, 75);
  const lighter = srgbToLab(190, 140, 110);
  assert.equal(itaShift(skin, skin), 0);
  assert.ok(itaShift(skin, lighter) > 0);
  assert.ok(itaShift(lighter, skin) < 0);
  assert.ok(Math.abs(itaShift(skin, lighter) - (ita(lighter) - ita(skin))) < 1e-12);
  // Lab with the same b* and L* raised by 10 from 50: ITA goes 0 → atan(10/20).
  assert.ok(Math.abs(itaShift([50, 10, 20], [60, 10, 20]) - (Math.atan(0.5) * 180) / Math.PI) < 1e-9);
});
