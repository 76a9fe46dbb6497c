import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { readDeclaredSize } from '../../src/image/declared-size.js';

test('reads the declared size of real PNG, JPEG (baseline and progressive) and WebP files', async () => {
  const base = sharp({ create: { width: 37, height: 21, channels: 3, background: { r: 10, g: 20, b: 30 } } });
  const png = new Uint8Array(await base.clone().png().toBuffer());
  const jpeg = new Uint8Array(await base.clone().jpeg().toBuffer());
  const progressive = new Uint8Array(await base.clone().jpeg({ progressive: true }).toBuffer());
  const webpLossy = new Uint8Array(await base.clone().webp().toBuffer());
  const webpLossless = new Uint8Array(await base.clone().webp({ lossless: true }).toBuffer());
  assert.deepEqual(readDeclaredSize(png, 'png'), { width: 37, height: 21 });
  assert.deepEqual(readDeclaredSize(jpeg, 'jpeg'), { width: 37, height: 21 });
  assert.deepEqual(readDeclaredSize(progressive, 'jpeg'), { width: 37, height: 21 });
  assert.deepEqual(readDeclaredSize(webpLossy, 'webp'), { width: 37, height: 21 });
  assert.deepEqual(readDeclaredSize(webpLossless, 'webp'), { width: 37, height: 21 });
});

test('truncated headers give undefined instead of throwing', () => {
  assert.equal(readDeclaredSize(new Uint8Array([0x89, 0x50]), 'png'), undefined);
  assert.equal(readDeclaredSize(new Uint8Array([0xff, 0xd8, 0xff]), 'jpeg'), undefined);
  assert.equal(readDeclaredSize(new Uint8Array(10), 'webp'), undefined);
});
