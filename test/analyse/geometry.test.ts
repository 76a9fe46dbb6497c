import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillEllipse, fillPolygon, intersectionArea, scalePolygon, visibleShare } from '../../src/analyse/geometry.js';
import { buildApproximateMask, splitMaskByPerson } from '../../src/analyse/person-mask.js';

const count = (buffer: Uint8Array, value = 1) => buffer.reduce((n, v) => n + (v === value ? 1 : 0), 0);

test('fillPolygon fills exactly the pixel centres inside a square and a triangle', () => {
  const buf = new Uint8Array(20 * 20);
  fillPolygon(buf, 20, 20, [{ x: 2, y: 3 }, { x: 12, y: 3 }, { x: 12, y: 8 }, { x: 2, y: 8 }], 1);
  assert.equal(count(buf), 50);
  assert.equal(buf[3 * 20 + 2], 1);
  assert.equal(buf[8 * 20 + 2], 0);
  const tri = new Uint8Array(100 * 100);
  fillPolygon(tri, 100, 100, [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 0, y: 100 }], 1);
  assert.ok(Math.abs(count(tri) - 5000) < 120, `triangle area ${count(tri)}`);
});

test('fillPolygon clips to the buffer and fillEllipse covers about πab', () => {
  const buf = new Uint8Array(10 * 10);
  fillPolygon(buf, 10, 10, [{ x: -5, y: -5 }, { x: 50, y: -5 }, { x: 50, y: 50 }, { x: -5, y: 50 }], 1);
  assert.equal(count(buf), 100);
  const e = new Uint8Array(200 * 200);
  fillEllipse(e, 200, 200, { x: 100, y: 100 }, 40, 20, 255);
  assert.ok(Math.abs(count(e, 255) - Math.PI * 800) < 40);
});

test('scalePolygon and intersectionArea', () => {
  const grown = scalePolygon([{ x: 0, y: 0 }, { x: 2, y: 0 }, { x: 2, y: 2 }, { x: 0, y: 2 }], 2);
  assert.deepEqual(grown[0], { x: -1, y: -1 });
  assert.equal(intersectionArea({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 }), 25);
  assert.equal(intersectionArea({ x: 0, y: 0, width: 1, height: 1 }, { x: 5, y: 5, width: 1, height: 1 }), 0);
});

test('approximate person mask covers the face and splits between two people', () => {
  const people = [
    { box: { x: 10, y: 10, width: 60, height: 90 }, face: { box: { x: 25, y: 15, width: 30, height: 30 }, score: 1 } },
    { box: { x: 120, y: 10, width: 60, height: 90 }, face: { box: { x: 135, y: 15, width: 30, height: 30 }, score: 1 } },
  ];
  const mask = buildApproximateMask(200, 100, people);
  assert.equal(mask.data[30 * 200 + 40], 255, 'face centre of person 1');
  assert.equal(mask.data[30 * 200 + 150], 255, 'face centre of person 2');
  assert.equal(mask.data[5 * 200 + 100], 0, 'gap between them');
  const [a, b] = splitMaskByPerson(mask, people.map((p) => p.box));
  assert.equal(a.data[30 * 200 + 40], 255);
  assert.equal(a.data[30 * 200 + 150], 0);
  assert.equal(b.data[30 * 200 + 150], 255);
});

test('visibleShare: the part of a box inside the image', () => {
  assert.equal(visibleShare({ x: 10, y: 10, width: 20, height: 20 }, 100, 100), 1);
  assert.equal(visibleShare({ x: -10, y: 0, width: 20, height: 20 }, 100, 100), 0.5);
  assert.equal(visibleShare({ x: 90, y: 95, width: 20, height: 10 }, 100, 100), 0.25);
  assert.equal(visibleShare({ x: 0, y: 0, width: 0, height: 5 }, 100, 100), 0);
});
