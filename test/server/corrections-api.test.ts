/**
 * Corrections through the API (the CLI's --people / --gender / --prompt): validated at the edge with
 * the one message shape, carried to the pipeline, and echoed back in the job.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { smallPhoto, startTestService, submit, untilState, type TestService } from './helpers.js';

let service: TestService;
before(async () => {
  service = await startTestService({ rateLimitPerMinute: 1000, maxPerClient: 50 });
});
after(() => service.stop());

async function postJson(body: Record<string, unknown>) {
  const response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

test('multipart corrections reach the pipeline: people, genders by size, and they show in the job', async () => {
  const { status, body } = await submit(service.url, await smallPhoto(), { people: '2', genders: 'f,m', seed: '7' });
  assert.equal(status, 202, JSON.stringify(body));
  const job = await untilState(service.url, body['id'], 'done');
  assert.equal(job['options'].people, 2);
  assert.deepEqual(job['options'].genders, ['f', 'm']);
  assert.equal(job['options'].seed, 7);
  assert.equal(job['analysis'].peopleCount, 2, 'the analysis the prompt was written from has two people');
  assert.deepEqual(
    job['analysis'].people.map((p: any) => p.gender),
    [
      { value: 'female', confidence: 1 },
      { value: 'male', confidence: 1 },
    ],
  );
  assert.equal(job['analysis'].sceneType.value, 'couple');
  assert.match(job['prompt'].positive, /1girl/);
  assert.match(job['prompt'].positive, /1boy/);
});

test('JSON corrections: genders as an array, and a prompt that replaces the written one', async () => {
  const image = Buffer.from(await smallPhoto()).toString('base64');
  const { status, body } = await postJson({ image, people: 1, genders: ['m'], prompt: 'a knight in a quiet garden, soft light' });
  assert.equal(status, 202, JSON.stringify(body));
  const job = await untilState(service.url, body['id'], 'done');
  assert.equal(job['analysis'].peopleCount, 1);
  assert.equal(job['analysis'].people[0].gender.value, 'male');
  assert.equal(job['prompt'].positive, 'a knight in a quiet garden, soft light');
  assert.equal(job['options'].prompt, 'a knight in a quiet garden, soft light');
  // Without corrections nothing is echoed.
  const plain = await submit(service.url, await smallPhoto());
  const plainJob = await untilState(service.url, plain.body['id'], 'done');
  assert.ok(!('people' in plainJob['options']) && !('genders' in plainJob['options']) && !('prompt' in plainJob['options']));
});

test('bad corrections: 400 INVALID_ARGUMENT with "Expected … for … but received …", verbatim; nothing queued', async () => {
  const before = await service.queue.stats();
  const photo = await smallPhoto();
  const image = Buffer.from(photo).toString('base64');
  const long = 'x'.repeat(1001);
  const cases: Array<[string, () => Promise<{ status: number; body: Record<string, any> }>, string]> = [
    ['people -1', () => submit(service.url, photo, { people: '-1' }), 'Expected integer between 0 and 50 for people but received "-1" of type string'],
    ['people 51', () => submit(service.url, photo, { people: '51' }), 'Expected integer between 0 and 50 for people but received "51" of type string'],
    ['people 2.5 (JSON)', () => postJson({ image, people: 2.5 }), 'Expected integer between 0 and 50 for people but received 2.5 of type number'],
    ['people "two" (JSON)', () => postJson({ image, people: 'two' }), 'Expected integer between 0 and 50 for people but received "two" of type string'],
    ['genders x,y', () => submit(service.url, photo, { genders: 'x,y' }), 'Expected list of f, m or ? (e.g. "f,m") for genders but received "x,y" of type string'],
    ['genders object (JSON)', () => postJson({ image, genders: { a: 'f' } }), 'Expected list of f, m or ? (e.g. "f,m") for genders but received [object Object] of type object'],
    ['genders 51 entries', () => postJson({ image, genders: Array(51).fill('f') }), `Expected list of f, m or ? (e.g. "f,m") for genders but received ${Array(51).fill('f').join(',').slice(0, 57)}... of type array`],
    ['prompt too long', () => submit(service.url, photo, { prompt: long.slice(0, 1001) }), `Expected string of at most 1000 characters for prompt but received "${long.slice(0, 56)}... of type string`],
    ['prompt number (JSON)', () => postJson({ image, prompt: 42 }), 'Expected string of at most 1000 characters for prompt but received 42 of type number'],
    ['negativePrompt array (JSON)', () => postJson({ image, negativePrompt: ['a'] }), 'Expected string of at most 1000 characters for negativePrompt but received a of type array'],
  ];
  for (const [label, send, message] of cases) {
    const response = await send();
    assert.equal(response.status, 400, `${label}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body['error'].code, 'INVALID_ARGUMENT', label);
    assert.equal(response.body['error'].message, message, label);
  }
  const afterStats = await service.queue.stats();
  assert.equal(afterStats.queued + afterStats.running + afterStats.done + afterStats.failed, before.queued + before.running + before.done + before.failed);
});

test('the OpenAPI document lists the corrections and the webhook', async () => {
  const docs = (await (await fetch(`${service.url}/docs`)).json()) as Record<string, any>;
  const post = docs['paths']['/api/v1/jobs'].post;
  for (const type of ['multipart/form-data', 'application/json']) {
    const properties = post.requestBody.content[type].schema.properties;
    for (const name of ['people', 'genders', 'prompt', 'negativePrompt', 'webhook']) assert.ok(properties[name], `${type} ${name}`);
  }
  assert.ok(post.callbacks.jobEnded['{$request.body#/webhook}'].post, 'webhook callback described');
  assert.match(post.responses['400'].description, /WEBHOOK_NOT_ALLOWED/);
  assert.ok(docs['components'].schemas.WebhookPayload);
  assert.ok(docs['components'].schemas.Job.properties.webhook);
});
