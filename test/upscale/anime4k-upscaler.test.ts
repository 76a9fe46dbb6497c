import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createRgbImage, type RgbImage } from '../../src/core/raster.js';
import type { ProgressEvent } from '../../src/core/types.js';
import { createAnime4kUpscaler } from '../../src/upscale/index.js';

const FIXTURE = new URL('../fixtures/photos/deb_skimage_astronaut.png', import.meta.url).pathname;

async function photoCrop(left: number, top: number, width: number, height: number): Promise<RgbImage> {
  const data = await sharp(FIXTURE).removeAlpha().extract({ left, top, width, height }).raw().toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** 2×2 box average: the ×2 output brought back to the input grid. */
function halve(image: RgbImage): RgbImage {
  const out = createRgbImage(image.width / 2, image.height / 2);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (dx: number, dy: number) => image.data[((2 * y + dy) * image.width + 2 * x + dx) * 3 + c];
        out.data[(y * out.width + x) * 3 + c] = Math.round((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4);
      }
    }
  }
  return out;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / a.length));
}

const upscaler = createAnime4kUpscaler({ variant: 'm', threads: 2 });
after(() => upscaler.dispose());

test('×2 and ×4 give exactly 2× and 4× sizes, odd sizes included', async () => {
  assert.equal(upscaler.name, 'anime4k-m-an');
  for (const [w, h] of [[1, 1], [7, 3], [33, 20]]) {
    const image = await photoCrop(200, 100, w, h);
    const x2 = await upscaler.upscale(image, 2);
    assert.deepEqual([x2.width, x2.height, x2.data.length], [2 * w, 2 * h, 12 * w * h]);
    const x4 = await upscaler.upscale(image, 4);
    assert.deepEqual([x4.width, x4.height, x4.data.length], [4 * w, 4 * h, 48 * w * h]);
  }
  const same = await upscaler.upscale(createRgbImage(3, 2, [9, 8, 7]), 1);
  assert.deepEqual([...same.data.subarray(0, 3)], [9, 8, 7]);
});

test('the ×2 output brought back down is close to the input (PSNR ≥ 38 dB) for every variant', async () => {
  const image = await photoCrop(140, 40, 160, 120); // the astronaut's face and helmet edge
  for (const variant of ['s', 'm', 'l'] as const) {
    const u = variant === 'm' ? upscaler : createAnime4kUpscaler({ variant });
    try {
      const back = halve(await u.upscale(image, 2));
      const value = psnr(back.data, image.data);
      assert.ok(value >= 38, `${variant}: PSNR ${value.toFixed(2)} dB`);
    } finally {
      if (u !== upscaler) await u.dispose();
    }
  }
});

test('tiled processing gives exactly the whole-image result, with tile progress', async () => {
  const image = await photoCrop(100, 100, 150, 97);
  const whole = await upscaler.upscale(image, 2);
  const tiled = createAnime4kUpscaler({ variant: 'm', tileSize: 40 });
  try {
    const events: ProgressEvent[] = [];
    const result = await tiled.upscale(image, 2, { onProgress: (e) => events.push(e) });
    assert.equal(Buffer.compare(Buffer.from(result.data), Buffer.from(whole.data)), 0);
    assert.ok(events.length > 8, `only ${events.length} progress events`);
    assert.ok(events.every((e) => e.stage === 'upscale'));
    for (let i = 1; i < events.length; i++) assert.ok(events[i].progress >= events[i - 1].progress);
    assert.equal(events[0].progress, 0);
    assert.equal(events.at(-1)!.progress, 1);
  } finally {
    await tiled.dispose();
  }
});

test('cancellation and invalid input give stable error codes', async () => {
  const image = createRgbImage(8, 8, [10, 20, 30]);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(upscaler.upscale(image, 2, { signal: controller.signal }), (e: { code?: string }) => e.code === 'CANCELLED');
  await assert.rejects(upscaler.upscale(image, 3), /Expected one of 1, 2, 4, 8 for scale but received 3 of type number/);
  await assert.rejects(upscaler.upscale({ width: 4, height: 4, data: new Uint8Array(10) }, 2), (e: { code?: string }) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => createAnime4kUpscaler({ variant: 'xl' as never }), /Expected one of s, m, l for variant/);
  assert.throws(() => createAnime4kUpscaler({ threads: 0 }), /threads/);
});

test('a flat image stays flat (no ringing from the residual)', async () => {
  const out = await upscaler.upscale(createRgbImage(16, 12, [120, 60, 200]), 2);
  let worst = 0;
  for (let i = 0; i < out.data.length; i += 3) {
    worst = Math.max(worst, Math.abs(out.data[i] - 120), Math.abs(out.data[i + 1] - 60), Math.abs(out.data[i + 2] - 200));
  }
  assert.ok(worst <= 3, `flat colour moved by ${worst}`);
});

test('a disposed upscaler refuses work', async () => {
  const u = createAnime4kUpscaler({ variant: 's' });
  await u.ready();
  await u.dispose();
  await assert.rejects(u.upscale(createRgbImage(4, 4), 2), /disposed/);
});
