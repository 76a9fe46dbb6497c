import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readInfotext } from '../../src/core/png-text.js';
import { sharp } from '../image/helpers.js';
import { waitFor } from '../queue/helpers.js';
import { smallPhoto, startTestService, type TestService } from './helpers.js';

let service: TestService;
before(async () => {
  service = await startTestService({ pipelineOptions: { blockMs: 1200 }, rateLimitPerMinute: 1000 });
});
after(() => service.stop());

const post = (body: unknown) =>
  fetch(`${service.url}/sdapi/v1/img2img`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('POST /sdapi/v1/img2img answers like AUTOMATIC1111: images (base64 PNG), parameters, info (JSON string)', async () => {
  const init = Buffer.from(await smallPhoto(160, 120)).toString('base64');
  const progressSeen: number[] = [];
  const pending = post({ init_images: [init], prompt: '1girl, smile', negative_prompt: 'lowres', seed: 1234, width: 192, height: 144, denoising_strength: 0.6, styles: ['soft-watercolor'], steps: 20, sampler_name: 'Euler a' });
  // Meanwhile, /sdapi/v1/progress reports this client's job.
  await waitFor(async () => {
    const p = (await (await fetch(`${service.url}/sdapi/v1/progress`)).json()) as Record<string, any>;
    assert.equal(typeof p['progress'], 'number');
    assert.ok('eta_relative' in p && 'state' in p && 'current_image' in p && 'textinfo' in p);
    progressSeen.push(p['progress']);
    return p['progress'] > 0 && p['progress'] < 1 ? true : undefined;
  }, 'progress between 0 and 1');
  const response = await pending;
  assert.equal(response.status, 200);
  const body = (await response.json()) as { images: string[]; parameters: Record<string, unknown>; info: string };
  assert.equal(body.images.length, 1);
  const png = Buffer.from(body.images[0], 'base64');
  assert.equal((await sharp(png).metadata()).format, 'png');
  assert.equal(body.parameters['init_images'], null, 'init images are not echoed back');
  assert.equal(body.parameters['seed'], 1234);
  const info = JSON.parse(body.info) as Record<string, any>;
  assert.equal(info['seed'], 1234);
  assert.deepEqual(info['all_seeds'], [1234]);
  assert.equal(info['prompt'], '1girl, smile');
  assert.equal(info['negative_prompt'], 'lowres');
  assert.equal(info['width'], 192);
  assert.equal(info['denoising_strength'], 0.6);
  assert.equal(info['infotexts'].length, 1);
  const parsed = readInfotext(new Uint8Array(png));
  assert.equal(parsed?.seed, 1234);
  assert.equal(parsed?.prompt, '1girl, smile');
  // The synchronous API keeps nothing afterwards.
  await waitFor(async () => (await service.storage.list()).length === 0, 'storage empty');
});

test('img2img: a missing init image is 404 "Init image not found"; a bad image is 4xx, not A1111’s 500', async () => {
  let response = await post({ prompt: 'x' });
  assert.equal(response.status, 404);
  assert.equal(((await response.json()) as any).detail, 'Init image not found');
  response = await post({ init_images: [Buffer.from('not an image at all').toString('base64')] });
  assert.equal(response.status, 415);
  response = await post({ init_images: ['%%%'] });
  assert.equal(response.status, 400);
});

test('progress with nothing running is an idle A1111 progress object', async () => {
  const p = (await (await fetch(`${service.url}/sdapi/v1/progress`, { headers: { 'x-forwarded-for': '192.0.2.1' } })).json()) as Record<string, any>;
  assert.equal(typeof p['progress'], 'number');
  assert.equal(p['state'].job_count, 0);
});
