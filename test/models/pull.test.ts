import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pullFile, targetPathFor } from '../../src/models/pull.js';

const payload = randomBytes(300_000);
const sha = createHash('sha256').update(payload).digest('hex');
let server: http.Server;
let base = '';
let dropNext = 0; // when > 0: send only this many bytes, then destroy the socket
const rangeRequests: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    if (!req.url?.includes('/resolve/main/')) {
      res.writeHead(404).end();
      return;
    }
    const range = req.headers.range;
    let start = 0;
    if (range) {
      rangeRequests.push(range);
      start = Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0);
    }
    const body = payload.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(body.length),
      'x-linked-etag': `"${sha}"`,
      ...(range ? { 'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}` } : {}),
    });
    if (dropNext > 0) {
      const cut = dropNext;
      dropNext = 0;
      res.write(body.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('Hugging Face file URLs map to <repo>/<path>; unsafe URLs are refused', () => {
  assert.equal(targetPathFor('https://huggingface.co/org/anime-pack/resolve/main/unet/model.onnx'), path.join('anime-pack', 'unet', 'model.onnx'));
  assert.equal(targetPathFor('https://example.com/files/model.onnx'), 'model.onnx');
  assert.throws(() => targetPathFor('ftp://x/y'), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => targetPathFor('not a url'), { code: 'INVALID_ARGUMENT' });
});

test('a dropped connection is resumed with a Range request and the checksum verified', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pull-'));
  try {
    dropNext = 100_000;
    rangeRequests.length = 0;
    const result = await pullFile(`${base}/org/pack/resolve/main/unet/model.onnx`, { dir });
    assert.equal(result.sha256, sha);
    assert.deepEqual(await readFile(result.path), payload);
    assert.ok(rangeRequests.some((r) => /^bytes=\d+-$/.test(r) && r !== 'bytes=0-'), `resumed with ${rangeRequests.join(',')}`);
    assert.ok(!existsSync(`${result.path}.part`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a partial file left by an earlier run is resumed, not restarted', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pull-'));
  try {
    const target = path.join(dir, 'pack', 'vae_decoder', 'model.onnx');
    await pullFile(`${base}/org/pack/resolve/main/text_encoder/model.onnx`, { dir }); // creates folders
    await writeFile(path.join(dir, 'pack', 'x'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(`${target}.part`, payload.subarray(0, 123_456));
    const result = await pullFile(`${base}/org/pack/resolve/main/vae_decoder/model.onnx`, { dir });
    assert.equal(result.resumedFrom, 123_456);
    assert.deepEqual(await readFile(target), payload);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a wrong checksum removes the download and says so; a missing file is MODEL_MISSING', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pull-'));
  try {
    await assert.rejects(pullFile(`${base}/org/pack/resolve/main/unet/model.onnx`, { dir, sha256: 'a'.repeat(64) }), {
      code: 'MODEL_INVALID',
      message: /Checksum mismatch for .*expected sha256 a{64}/,
    });
    assert.ok(!existsSync(path.join(dir, 'pack', 'unet', 'model.onnx.part')));
    await assert.rejects(pullFile(`${base}/nothing/here.onnx`, { dir }), { code: 'MODEL_MISSING' });
    await assert.rejects(pullFile(`${base}/org/pack/resolve/main/unet/model.onnx`, { dir, sha256: 'xyz' }), { code: 'INVALID_ARGUMENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
