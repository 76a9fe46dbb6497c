import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRgbImage } from '../../src/core/raster.js';
import { cropRgb, pasteTile, planTiles } from '../../src/upscale/tiling.js';

test('tile cores cover every pixel exactly once and reads add the halo within the image', () => {
  for (const [w, h, size, halo] of [[10, 10, 16, 3], [100, 37, 32, 7], [1000, 3, 64, 8], [65, 65, 64, 4]]) {
    const tiles = planTiles(w, h, size, halo);
    const hits = new Uint8Array(w * h);
    for (const { core, read } of tiles) {
      for (let y = core.y; y < core.y + core.height; y++) for (let x = core.x; x < core.x + core.width; x++) hits[y * w + x]++;
      assert.equal(read.x, Math.max(0, core.x - halo));
      assert.equal(read.y, Math.max(0, core.y - halo));
      assert.equal(read.x + read.width, Math.min(w, core.x + core.width + halo));
      assert.equal(read.y + read.height, Math.min(h, core.y + core.height + halo));
    }
    assert.ok(hits.every((n) => n === 1), `${w}×${h}`);
    if (w * h <= size * size) assert.equal(tiles.length, 1);
  }
});

test('crop and paste move the right bytes', () => {
  const image = createRgbImage(5, 4);
  image.data.forEach((_, i) => (image.data[i] = i));
  const [tile] = planTiles(5, 4, 2, 1).filter((t) => t.core.x > 0 && t.core.y > 0);
  const crop = cropRgb(image, tile.read);
  assert.deepEqual([...crop.subarray(0, 3)], [...image.data.subarray(((tile.read.y * 5) + tile.read.x) * 3, ((tile.read.y * 5) + tile.read.x) * 3 + 3)]);
  // Pasting the crop at scale 1 reproduces the core region.
  const target = createRgbImage(5, 4);
  pasteTile(target, crop, tile, 1);
  for (let y = tile.core.y; y < tile.core.y + tile.core.height; y++) {
    for (let x = tile.core.x; x < tile.core.x + tile.core.width; x++) {
      const i = (y * 5 + x) * 3;
      assert.deepEqual([...target.data.subarray(i, i + 3)], [...image.data.subarray(i, i + 3)]);
    }
  }
});
