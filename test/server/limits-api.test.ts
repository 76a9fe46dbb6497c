/**
 * The service's edges: bad photos and bad options are 4xx JSON (never 5xx, never a stack), oversized
 * bodies are 413 before any handler work, and overload answers 429 with Retry-After.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { patchPngChunk, solid } from '../image/helpers.js';
import { waitFor } from '../queue/helpers.js';
import { smallPhoto, startTestService, submit, untilState, type TestService } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('bad input', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ rateLimitPerMinute: 1000, maxPerClient: 50, maxUploadBytes: 256 * 1024 });
  });
  after(() => service.stop());

  test('bad photos map to 4xx codes with one-line messages; nothing is queued', async () => {
    const jpeg = await smallPhoto(200, 150);
    const png = await solid(16, 16, { r: 1, g: 2, b: 3 }, 'png');
    const bomb = patchPngChunk(png, 'IHDR', (data) => {
      const view = new DataView(data.buffer, data.byteOffset);
      view.setUint32(0, 60000);
      view.setUint32(4, 60000);
    });
    const cases: Array<[string, Uint8Array, number, string]> = [
      ['empty', new Uint8Array(0), 400, 'EMPTY_INPUT'],
      ['random bytes', new Uint8Array(1000).map((_, i) => (i * 7919) % 251), 415, 'UNSUPPORTED_TYPE'],
      ['svg with script', text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'), 415, 'UNSUPPORTED_TYPE'],
      ['gif', await solid(8, 8, { r: 9, g: 9, b: 9 }, 'gif'), 415, 'UNSUPPORTED_TYPE'],
      ['tiff', await solid(8, 8, { r: 9, g: 9, b: 9 }, 'tiff'), 415, 'UNSUPPORTED_TYPE'],
      ['truncated jpeg', jpeg.subarray(0, Math.floor(jpeg.length / 2)), 400, 'CORRUPT_IMAGE'],
      ['60000² header bomb', bomb, 422, 'TOO_MANY_PIXELS'],
    ];
    for (const [label, bytes, status, code] of cases) {
      const response = await submit(service.url, bytes);
      assert.equal(response.status, status, `${label}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body['error'].code, code, label);
      assert.equal(typeof response.body['error'].message, 'string');
      assert.ok(!response.body['error'].message.includes('\n') && !/at .*\.ts:\d+/.test(response.body['error'].message), `${label}: no stack`);
    }
    assert.equal((await service.queue.stats()).done + (await service.queue.stats()).queued, 0);
    assert.deepEqual(await service.storage.list(), [], 'no upload was kept');
  });

  test('bad options are 400 INVALID_ARGUMENT naming the field', async () => {
    const photo = await smallPhoto();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ style: 'picasso' }, /for style but received "picasso"/],
      [{ seed: 'abc' }, /for seed/],
      [{ seed: '99999999999' }, /for seed/],
      [{ size: '10' }, /for size/],
      [{ size: '99999' }, /for size/],
      [{ composite: 'maybe' }, /for composite/],
      [{ format: 'bmp' }, /for format/],
      [{ genders: 'x,y' }, /for genders/],
      [{ people: '-1' }, /for people/],
    ];
    for (const [fields, message] of cases) {
      const response = await submit(service.url, photo, fields);
      assert.equal(response.status, 400, JSON.stringify(fields));
      assert.equal(response.body['error'].code, 'INVALID_ARGUMENT');
      assert.match(response.body['error'].message, message);
    }
  });

  test('malformed bodies: wrong file field, bad JSON, bad base64, unsupported content type', async () => {
    const data = new FormData();
    data.append('photo', new Blob([await smallPhoto()]), 'x.jpg');
    let response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', body: data });
    assert.equal(response.status, 400);
    response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"image": ' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as any).error.code, 'INVALID_ARGUMENT');
    response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: '%%%not base64%%%' }) });
    assert.equal(response.status, 400);
    response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as any).error.code, 'EMPTY_INPUT');
    response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(response.status, 415);
    assert.equal(((await response.json()) as any).error.code, 'UNSUPPORTED_MEDIA_TYPE');
    response = await fetch(`${service.url}/nope`);
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as any).error.code, 'NOT_FOUND');
  });

  test('413 for a body over the limit: by Content-Length, chunked multipart and chunked JSON, before any handler work (G3)', async () => {
    const limit = 256 * 1024;
    const put = service.storage.put.bind(service.storage);
    let puts = 0;
    service.storage.put = async (key, bytes) => {
      puts++;
      return put(key, bytes);
    };
    try {
      const big = new Uint8Array(limit + 4096).fill(0x41);
      big.set([0xff, 0xd8, 0xff, 0xe0]);
      // 1) declared by Content-Length: refused from the header.
      const byLength = await submit(service.url, big);
      assert.equal(byLength.status, 413);
      assert.equal(byLength.body['error'].code, 'TOO_LARGE');
      // 2) chunked multipart, no Content-Length.
      const boundary = '----animeme';
      const head = text(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
      const tail = text(`\r\n--${boundary}--\r\n`);
      const chunked = await rawPost(service.url, `multipart/form-data; boundary=${boundary}`, [head, ...slices(big, 16 * 1024), tail]);
      assert.equal(chunked.status, 413, chunked.body);
      assert.equal(JSON.parse(chunked.body).error.code, 'TOO_LARGE');
      // 3) chunked JSON over the JSON limit (base64 of the largest upload + a margin).
      const json = text(`{"image":"${'A'.repeat(Math.ceil((limit * 4) / 3) + 80 * 1024)}"}`);
      const chunkedJson = await rawPost(service.url, 'application/json', slices(json, 16 * 1024));
      assert.equal(chunkedJson.status, 413, chunkedJson.body);
      assert.equal(puts, 0, 'nothing was stored: the handler never ran');
      assert.equal((await service.queue.stats()).queued, 0);
    } finally {
      service.storage.put = put;
    }
  });
});

describe('overload', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ pipelineOptions: { blockMs: 1500 }, queueCapacity: 2, maxPerClient: 50, rateLimitPerMinute: 1000 });
  });
  after(() => service.stop());

  test('a full queue answers 429 QUEUE_FULL with Retry-After and keeps nothing (G9)', async () => {
    const photo = await smallPhoto();
    const first = await submit(service.url, photo, { size: '96' });
    assert.equal(first.status, 202);
    await untilState(service.url, first.body['id'], 'running');
    assert.equal((await submit(service.url, photo, { size: '96' })).status, 202);
    assert.equal((await submit(service.url, photo, { size: '96' })).status, 202);
    const refused = await submit(service.url, photo, { size: '96' });
    assert.equal(refused.status, 429);
    assert.equal(refused.body['error'].code, 'QUEUE_FULL');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const stats = await service.queue.stats();
    assert.equal(stats.queued, 2);
    const inputs = (await service.storage.list()).filter((e) => e.key.endsWith('/input'));
    assert.ok(inputs.length <= 3, 'only accepted uploads are stored');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /^animeme_jobs_rejected_total\{reason="QUEUE_FULL"\} [1-9]/m);
  });
});

describe('fairness', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ pipelineOptions: { blockMs: 1500 }, maxPerClient: 1, rateLimitPerMinute: 3, trustProxy: true });
  });
  after(() => service.stop());

  test('one client gets CLIENT_LIMIT past its share; another client is unaffected (G10)', async () => {
    const photo = await smallPhoto();
    const me = { 'x-forwarded-for': '198.51.100.1' };
    const other = { 'x-forwarded-for': '198.51.100.2' };
    const first = await submit(service.url, photo, { size: '96' }, me);
    assert.equal(first.status, 202);
    const second = await submit(service.url, photo, { size: '96' }, me);
    assert.equal(second.status, 429);
    assert.equal(second.body['error'].code, 'CLIENT_LIMIT');
    assert.ok(Number(second.headers.get('retry-after')) >= 1);
    assert.equal((await submit(service.url, photo, { size: '96' }, other)).status, 202);
  });

  test('the rate limit answers 429 RATE_LIMITED with x-ratelimit-* and retry-after; others are unaffected (G10)', async () => {
    const photo = await smallPhoto();
    const me = { 'x-forwarded-for': '198.51.100.9' };
    // The limit is 3 a minute and counts every submission (accepted or not).
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await submit(service.url, photo, { size: '96' }, me);
      statuses.push(last.status);
    }
    assert.equal(last!.status, 429, statuses.join(','));
    assert.equal(last!.body['error'].code, 'RATE_LIMITED');
    assert.equal(last!.headers.get('x-ratelimit-limit'), '3');
    assert.equal(last!.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
    const someoneElse = await submit(service.url, photo, { size: '96' }, { 'x-forwarded-for': '198.51.100.10' });
    assert.notEqual(someoneElse.body['error']?.code, 'RATE_LIMITED');
  });
});

describe('retention', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ resultTtlMs: 1500, rateLimitPerMinute: 1000 });
  });
  after(() => service.stop());

  test('results and their files are gone after the TTL (privacy)', async () => {
    const { body } = await submit(service.url, await smallPhoto(), { size: '96', composite: 'true' });
    const done = await untilState(service.url, body['id'], 'done');
    assert.equal((await fetch(`${service.url}${done['result'].url}`)).status, 200);
    assert.equal(await service.storage.has(`jobs/${body['id']}/input`), false, 'the upload is deleted as soon as the job is done');
    await waitFor(async () => (await fetch(`${service.url}/api/v1/jobs/${body['id']}`)).status === 404, 'job expired', 20_000);
    // The link expires with the result (its exp is the result's expiry, rounded down).
    const expired = await fetch(`${service.url}${done['result'].url}`);
    assert.equal(expired.status, 403);
    assert.equal(((await expired.json()) as any).error.code, 'SIGNATURE_EXPIRED');
    await waitFor(async () => (await service.storage.list(`jobs/${body['id']}/`)).length === 0, 'files deleted', 20_000);
  });
});

function* slices(bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** POST with Transfer-Encoding: chunked (no Content-Length); stops sending once an answer arrives. */
function rawPost(base: string, contentType: string, chunks: Iterable<Uint8Array>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL('/api/v1/jobs', base);
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    (async () => {
      for (const chunk of chunks) {
        if (answered || req.destroyed) return;
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => undefined);
  });
}
