/**
 * "Again, new seed" over HTTP with the real pipeline: the second job of the same photo reuses the
 * first one's analysis (the pipeline thread's memo) and says so; its picture is new.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startTestService, submit, untilState, type TestService } from './helpers.js';

let service: TestService;
before(async () => {
  // The real pipeline (no stand-in): the memo lives in the pipeline thread.
  service = await startTestService({ pipelineModule: undefined, pipelineOptions: undefined, rateLimitPerMinute: 1000, maxPerClient: 10 });
});
after(() => service.stop());

test('the same photo again with a new seed reuses its analysis and says so; another photo does not', { timeout: 120_000 }, async () => {
  const photo = new Uint8Array(await readFile(new URL('../fixtures/photos/deb_mpl_grace_hopper.jpg', import.meta.url)));
  const first = await submit(service.url, photo, { seed: '1', size: '256' });
  assert.equal(first.status, 202, JSON.stringify(first.body));
  const one = await untilState(service.url, first.body['id'], 'done', 90_000);
  const second = await submit(service.url, photo, { seed: '2', size: '256' });
  const two = await untilState(service.url, second.body['id'], 'done', 90_000);
  assert.equal(one['analysis'].reused, undefined);
  assert.equal(two['analysis'].reused, true);
  assert.equal(two['analysis'].peopleCount, one['analysis'].peopleCount);
  assert.deepEqual(two['analysis'].people, one['analysis'].people);
  const other = new Uint8Array(await readFile(new URL('../fixtures/photos/deb_skimage_astronaut.png', import.meta.url)));
  const third = await submit(service.url, other, { seed: '2', size: '256' });
  const three = await untilState(service.url, third.body['id'], 'done', 90_000);
  assert.equal(three['analysis'].reused, undefined);
});
