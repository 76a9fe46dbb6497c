/**
 * What the service keeps about a person beyond the picture itself: its logs (at the most verbose
 * level) never carry image bytes, client file names or link signatures, and the job record on disk
 * holds no bytes and no address (G14). Uploads go in both shapes, accepted and refused.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { smallPhoto, startTestService, untilState, type TestService } from './helpers.js';

const FILE_NAME = 'SECRET-Jane-Doe-passport-scan-4711.jpg';
const lines: string[] = [];
let service: TestService;

before(async () => {
  service = await startTestService({
    rateLimitPerMinute: 1000,
    maxPerClient: 50,
    maxUploadBytes: 64 * 1024,
    logger: { level: 'trace', stream: { write: (line: string) => void lines.push(line) } },
  });
});
after(() => service.stop());

async function upload(bytes: Uint8Array, name = FILE_NAME) {
  const form = new FormData();
  form.append('size', '96');
  form.append('image', new Blob([bytes], { type: 'image/jpeg' }), name);
  const response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', body: form, headers: { 'x-forwarded-for': '203.0.113.77' } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

test('logs carry no image bytes, no client file names and no link signatures; records hold no bytes or address', async () => {
  const photo = await smallPhoto(160, 120);
  const base64 = Buffer.from(photo).toString('base64');

  const accepted = await upload(photo);
  assert.equal(accepted.status, 202);
  const json = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: base64, size: 96, filename: FILE_NAME }) });
  assert.equal(json.status, 202);
  // Refusals log too (corrupt, wrong type, too big, wrong field): none of them may echo the upload.
  assert.equal((await upload(photo.subarray(0, photo.length / 2))).status, 400);
  assert.equal((await upload(new TextEncoder().encode(`<svg><text>${FILE_NAME}</text></svg>`))).status, 415);
  assert.equal((await upload(new Uint8Array(100 * 1024).fill(0xff))).status, 413);
  const wrongField = new FormData();
  wrongField.append(FILE_NAME, new Blob([photo]), FILE_NAME);
  assert.equal((await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', body: wrongField })).status, 400);

  const done = await untilState(service.url, accepted.body['id'], 'done');
  // Both jobs finish before the data folder is scanned: a running job rewrites its record atomically
  // (temp file + rename), and a temp file may vanish between listing and reading.
  await untilState(service.url, ((await json.json()) as Record<string, unknown>)['id'] as string, 'done');
  assert.equal((await fetch(`${service.url}${done['result'].url}`)).status, 200);
  assert.equal((await fetch(`${service.url}${done['result'].url.replace(/sig=./, 'sig=_')}`)).status, 403);

  const log = lines.join('');
  assert.ok(lines.length >= 10, `the logger was on (${lines.length} lines)`);
  assert.ok(log.includes('/result'), 'result downloads are logged (by path)');
  assert.ok(!log.includes('SECRET-Jane-Doe'), 'no client file name');
  assert.ok(!log.includes('sig='), 'no link signature');
  assert.ok(!log.includes(base64.slice(100, 140)), 'no base64 of the photo');
  assert.ok(!log.includes('JFIF'), 'no raw JPEG bytes');
  assert.ok(!/[A-Za-z0-9+/]{200,}/.test(log), 'no long base64 run of any kind');

  // The data folder: the file name nowhere; the job record small, without bytes or the client address.
  for (const file of await filesUnder(service.dataDir)) {
    if (file.endsWith('.partial')) continue; // an atomic write in flight; its content is checked once renamed
    const bytes = await readFile(file);
    assert.ok(!bytes.includes(Buffer.from('SECRET-Jane-Doe')), `${file} does not name the upload`);
    if (file.endsWith('job.json')) {
      const text = bytes.toString('utf8');
      assert.ok(text.length < 2048, `job record is ${text.length} bytes`);
      assert.ok(!/[A-Za-z0-9+/]{100,}/.test(text), 'no base64 in the job record');
      assert.ok(!text.includes('203.0.113.77') && !text.includes('127.0.0.1'), 'no client address in the job record');
    }
  }
});
