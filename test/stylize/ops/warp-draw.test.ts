import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillDisc, fillPolygon, quadraticCurve, scalePolygon, strokePolyline } from '../../../src/stylize/ops/draw.js';
import { magnify, magnifyPoint } from '../../../src/stylize/ops/warp.js';

test('magnify enlarges around the centre, leaves outside pixels alone, and is monotonic', () => {
  const w = 41;
  const data = new Uint8Array(w * w * 3);
  // Vertical stripes: x coordinate encoded in red.
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) data[(y * w + x) * 3] = x * 6;
  const region = { cx: 20, cy: 20, rx: 12, ry: 12, amount: 0.2 };
  const out = magnify({ width: w, height: w, data }, [region]);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
    const inside = (x - 20) ** 2 + (y - 20) ** 2 < 144;
    if (!inside) assert.equal(out.data[(y * w + x) * 3], data[(y * w + x) * 3]);
  }
  const row = Array.from({ length: w }, (_, x) => out.data[(20 * w + x) * 3]);
  for (let x = 1; x < w; x++) assert.ok(row[x] >= row[x - 1], 'no folding');
  // Near the centre, 1 px of output covers less than 1 px of input: magnified.
  assert.ok(row[24] - row[20] < 4 * 6);
  const moved = magnifyPoint({ x: 24, y: 20 }, region);
  assert.ok(moved.x > 24.5 && Math.abs(moved.y - 20) < 1e-9, 'a point near the centre moves outward');
  assert.deepEqual(magnifyPoint({ x: 35, y: 20 }, region), { x: 35, y: 20 });
});

test('polygon fill covers the polygon area with antialiased edges', () => {
  const w = 50;
  const cov = new Float32Array(w * w);
  const square = [
    { x: 10.5, y: 10 },
    { x: 30.5, y: 10 },
    { x: 30.5, y: 30 },
    { x: 10.5, y: 30 },
  ];
  fillPolygon(cov, w, w, square);
  const area = cov.reduce((p, q) => p + q, 0);
  assert.ok(Math.abs(area - 400) < 1, `area ${area}`);
  assert.ok(Math.abs(cov[20 * w + 10] - 0.5) < 0.01, 'half-covered edge pixel');
  const big = scalePolygon(square, 2);
  assert.ok(Math.abs(big[0].x - 0.5) < 1e-9 && Math.abs(big[0].y - 0) < 1e-9);
});

test('strokes and discs have the requested size', () => {
  const w = 40;
  const cov = new Float32Array(w * w);
  strokePolyline(cov, w, w, quadraticCurve({ x: 5, y: 20 }, { x: 20, y: 20 }, { x: 35, y: 20 }), 3);
  const column = Array.from({ length: w }, (_, y) => cov[y * w + 20]);
  const thickness = column.reduce((p, q) => p + q, 0);
  assert.ok(Math.abs(thickness - 3) < 0.6, `thickness ${thickness}`);
  const disc = new Float32Array(w * w);
  fillDisc(disc, w, w, 20, 20, 5);
  const area = disc.reduce((p, q) => p + q, 0);
  assert.ok(Math.abs(area - Math.PI * 25) < 3);
});
