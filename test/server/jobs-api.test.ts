import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readInfotext } from '../../src/core/png-text.js';
import { sharp } from '../image/helpers.js';
import { waitFor } from '../queue/helpers.js';
import { getJob, readEvents, smallPhoto, startTestService, submit, untilState, type TestService } from './helpers.js';

let service: TestService;
let base: string;
before(async () => {
  service = await startTestService({ pipelineOptions: { blockMs: 600 }, rateLimitPerMinute: 1000, maxPerClient: 50 });
  base = service.url;
});
after(async () => {
  await service.stop();
});

test('multipart upload → 202 with id, place in line and seed; then done with analysis, prompt, timings and files', async () => {
  const accepted = await submit(base, await smallPhoto(), { style: 'manga-ink', seed: '42', size: '160', composite: 'true' });
  assert.equal(accepted.status, 202);
  const { id, position, seed, links } = accepted.body;
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(position >= 1);
  assert.equal(seed, 42);
  assert.equal(accepted.headers.get('location'), `/api/v1/jobs/${id}`);
  assert.equal(links.events, `/api/v1/jobs/${id}/events`);
  assert.equal(links.result, undefined, 'no result link before the result exists (links are signed with its expiry)');

  const job = await untilState(base, id, 'done');
  assert.deepEqual(job.options, { style: 'manga-ink', seed: 42, size: 160, composite: true, format: 'png' });
  assert.equal(typeof job.analysis.peopleCount, 'number');
  assert.equal(job.description.style, 'manga-ink');
  assert.equal(typeof job.prompt.positive, 'string');
  assert.ok(job.timings.stylize > 0);
  assert.ok(Date.parse(job.expiresAt) > Date.parse(job.finishedAt));
  assert.match(job.result.url, new RegExp(`^/api/v1/jobs/${id}/result\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));

  const result = await fetch(`${base}${job.result.url}`);
  assert.equal(result.status, 200);
  assert.equal(result.headers.get('content-type'), 'image/png');
  assert.match(result.headers.get('cache-control')!, /^private/);
  const png = new Uint8Array(await result.arrayBuffer());
  const meta = await sharp(png).metadata();
  assert.equal(Math.max(meta.width!, meta.height!), 160);
  assert.equal(readInfotext(png)?.seed, 42, 'the PNG carries A1111 parameters with the seed');

  const composite = await fetch(`${base}${job.composite.url}&download=1`);
  assert.equal(composite.status, 200);
  assert.equal(composite.headers.get('content-type'), 'image/jpeg');
  assert.match(composite.headers.get('content-disposition')!, /^attachment; filename="anime-me-.*-share\.jpg"$/);
});

test('JSON upload with base64 or a data: URL works the same', async () => {
  const photo = Buffer.from(await smallPhoto()).toString('base64');
  for (const image of [photo, `data:image/jpeg;base64,${photo}`]) {
    const response = await fetch(`${base}/api/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image, seed: 7, size: 96 }),
    });
    assert.equal(response.status, 202);
    const { id } = (await response.json()) as { id: string };
    const job = await untilState(base, id, 'done');
    assert.equal(job.options.seed, 7);
    assert.equal(job.composite, undefined, 'no composite unless asked');
    // Without a signed link there is nothing to fetch (403 before any lookup).
    assert.equal((await fetch(`${base}/api/v1/jobs/${id}/composite`)).status, 403);
  }
});

test('a missing seed gets a random one that is reported back', async () => {
  const a = await submit(base, await smallPhoto(), { size: '96' });
  const b = await submit(base, await smallPhoto(), { size: '96' });
  assert.equal(typeof a.body['seed'], 'number');
  assert.notEqual(a.body['seed'], b.body['seed']);
  await untilState(base, b.body['id'], 'done');
});

test('SSE follows a job: state first, stage progress, then done, then the stream ends', async () => {
  const { body } = await submit(base, await smallPhoto(), { size: '96' });
  const events = await readEvents(`${base}/api/v1/jobs/${body['id']}/events`);
  const names = events.map((e) => e.event);
  assert.equal(names[0], 'state');
  assert.equal(names.at(-1), 'done');
  const progress = events.filter((e) => e.event === 'progress');
  assert.ok(progress.some((e) => e.data.stage === 'stylize'), names.join(','));
  assert.ok(progress.every((e) => e.data.progress >= 0 && e.data.progress <= 1 && e.data.etaSeconds >= 1));
  assert.equal(events.at(-1)!.data.state, 'done');
  assert.match(events.at(-1)!.data.result.url, new RegExp(`^/api/v1/jobs/${body['id']}/result\\?exp=\\d+&sig=`));
  // A finished job's stream answers at once with its state and ends.
  const again = await readEvents(`${base}/api/v1/jobs/${body['id']}/events`);
  assert.deepEqual(again.map((e) => e.event), ['state']);
});

test('queued jobs see their place in line over SSE as jobs ahead finish', async () => {
  const first = await submit(base, await smallPhoto(), { size: '96' });
  const second = await submit(base, await smallPhoto(), { size: '96' });
  const third = await submit(base, await smallPhoto(), { size: '96' });
  assert.ok(third.body['position'] > second.body['position'] || first.body['position'] >= 1);
  const events = await readEvents(`${base}/api/v1/jobs/${third.body['id']}/events`);
  const positions = events.filter((e) => e.event === 'position').map((e) => e.data.position);
  const state = events[0]!.data;
  if (state.state === 'queued') assert.ok(positions.length >= 1, `positions: ${positions}`);
  for (let i = 1; i < positions.length; i++) assert.ok(positions[i] < positions[i - 1], `positions only move up: ${positions}`);
  assert.equal(events.at(-1)!.event, 'done');
});

test('/healthz answers while a job holds its pipeline thread (inference is off the event loop)', async () => {
  const { body } = await submit(base, await smallPhoto(), { size: '96', prompt: 'test:sleep=2500' });
  await untilState(base, body['id'], 'running');
  let answeredDuringRun = 0;
  for (let i = 0; i < 5; i++) {
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const h = (await health.json()) as Record<string, any>;
    assert.equal(h['status'], 'ok');
    if ((await getJob(base, body['id'])).body['state'] === 'running') answeredDuringRun++;
  }
  assert.ok(answeredDuringRun >= 1, 'at least one health check was answered while the job was still running');
  await untilState(base, body['id'], 'done');
});

test('DELETE cancels or forgets a job and deletes its files', async () => {
  const { body } = await submit(base, await smallPhoto(), { size: '96', composite: 'true' });
  const done = await untilState(base, body['id'], 'done');
  assert.ok((await service.storage.list(`jobs/${body['id']}/`)).length >= 2);
  const deleted = await fetch(`${base}/api/v1/jobs/${body['id']}`, { method: 'DELETE' });
  assert.equal(deleted.status, 204);
  assert.equal((await getJob(base, body['id'])).status, 404);
  assert.equal((await fetch(`${base}${done.result.url}`)).status, 404, 'a still-valid signed link finds nothing');
  assert.deepEqual(await service.storage.list(`jobs/${body['id']}/`), []);
  assert.equal((await fetch(`${base}/api/v1/jobs/${body['id']}`, { method: 'DELETE' })).status, 404);
  // Deleting a running job stops it.
  const running = await submit(base, await smallPhoto(), { size: '96', prompt: 'test:sleep=3000' });
  await untilState(base, running.body['id'], 'running');
  assert.equal((await fetch(`${base}/api/v1/jobs/${running.body['id']}`, { method: 'DELETE' })).status, 204);
  assert.equal((await getJob(base, running.body['id'])).status, 404);
  await waitFor(async () => (await service.storage.list(`jobs/${running.body['id']}/`)).length === 0, 'files of the cancelled job gone');
});

test('unknown, malformed and unfinished ids answer JSON errors', async () => {
  const unknown = await getJob(base, 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body['error'].code, 'NOT_FOUND');
  assert.equal((await getJob(base, '../../etc/passwd')).status, 404);
  // File routes check the signature first: an unsigned request learns nothing about the id.
  assert.equal((await fetch(`${base}/api/v1/jobs/short/result`)).status, 403);
  const { body } = await submit(base, await smallPhoto(), { size: '96', prompt: 'test:sleep=1500' });
  const early = await fetch(`${base}/api/v1/jobs/${body['id']}/result`);
  assert.equal(early.status, 403);
  assert.equal(((await early.json()) as any).error.code, 'SIGNATURE_INVALID');
  await untilState(base, body['id'], 'done');
});

test('/metrics speaks Prometheus text; /docs is an OpenAPI document', async () => {
  const metrics = await fetch(`${base}/metrics`);
  assert.match(metrics.headers.get('content-type')!, /^text\/plain/);
  const text = await metrics.text();
  assert.match(text, /^animeme_jobs\{state="done"\} \d+$/m);
  assert.match(text, /^animeme_queue_depth \d+$/m);
  assert.match(text, /^animeme_job_duration_seconds_count [1-9]\d*$/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  const docs = (await (await fetch(`${base}/docs`)).json()) as Record<string, any>;
  assert.equal(docs['openapi'], '3.1.0');
  for (const route of ['/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/jobs/{id}/events', '/sdapi/v1/img2img', '/healthz']) assert.ok(docs['paths'][route], route);
});
