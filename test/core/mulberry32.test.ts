import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/core/mulberry32.js';

test('mulberry32 is seeded, in [0, 1), and gives the reference sequence everything seeded relies on', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const first = Array.from({ length: 5 }, () => a());
  assert.deepEqual(Array.from({ length: 5 }, () => b()), first, 'same seed, same numbers');
  assert.notDeepEqual(Array.from({ length: 5 }, mulberry32(43)), first, 'another seed, other numbers');
  // Pinned: seeded textures, tiny-pack weights (and their reference numbers) and fuzz seeds all
  // depend on this exact sequence; a change here silently changes every one of them.
  assert.deepEqual(first.slice(0, 3), [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  const many = mulberry32(7);
  for (let i = 0; i < 10_000; i++) {
    const v = many();
    assert.ok(v >= 0 && v < 1, String(v));
  }
});
