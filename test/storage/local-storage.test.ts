import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createLocalStorage, isValidKey, jobKeys, startSweeper } from '../../src/storage/index.js';

const dirs: string[] = [];
async function fresh() {
  const dir = await mkdtemp(path.join(tmpdir(), 'anime-me-storage-'));
  dirs.push(dir);
  return { dir, storage: createLocalStorage({ dir }) };
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string) => new TextEncoder().encode(text);

test('put, get, has, list and delete round-trip bytes by key', async () => {
  const { storage } = await fresh();
  const keys = jobKeys('abcdefghijklmnopqrstuv');
  await storage.put(keys.input, bytes('photo'));
  await storage.put(keys.output('png'), bytes('result'));
  assert.deepEqual(await storage.get(keys.input), bytes('photo'));
  assert.equal(await storage.has(keys.input), true);
  assert.deepEqual(
    (await storage.list('jobs/')).map((e) => e.key),
    [keys.input, keys.output('png')],
  );
  await storage.delete(keys.input);
  await storage.delete(keys.input); // deleting twice is fine
  assert.equal(await storage.get(keys.input), undefined);
  assert.equal(await storage.has(keys.input), false);
});

test('a rewrite replaces the whole entry and leaves no temporary files', async () => {
  const { dir, storage } = await fresh();
  await storage.put('jobs/a/result.png', bytes('first version'));
  await storage.put('jobs/a/result.png', bytes('second'));
  assert.deepEqual(await storage.get('jobs/a/result.png'), bytes('second'));
  assert.deepEqual(await readdir(path.join(dir, 'jobs', 'a')), ['result.png']);
});

test('keys cannot escape the folder', async () => {
  const { storage } = await fresh();
  for (const key of ['../x', 'jobs/../../etc/passwd', '/abs', 'a//b', 'a/./b', '', 'a b', 'jobs/%2e%2e']) {
    assert.equal(isValidKey(key), false, key);
    await assert.rejects(storage.put(key, bytes('x')), /Invalid storage key/, key);
  }
  assert.equal(isValidKey('jobs/AbC_-9/result.png'), true);
});

test('deletePrefix removes one job’s files and its folder, nothing else', async () => {
  const { dir, storage } = await fresh();
  const a = jobKeys('aaaaaaaaaaaaaaaaaaaaaa');
  const b = jobKeys('bbbbbbbbbbbbbbbbbbbbbb');
  await storage.put(a.input, bytes('1'));
  await storage.put(a.composite, bytes('2'));
  await storage.put(b.input, bytes('3'));
  assert.equal(await storage.deletePrefix(a.prefix), 2);
  assert.deepEqual((await storage.list()).map((e) => e.key), [b.input]);
  assert.deepEqual(await readdir(path.join(dir, 'jobs')), ['bbbbbbbbbbbbbbbbbbbbbb']);
});

test('a sweep with a clock past the TTL deletes every older entry (G14)', async () => {
  const { dir, storage } = await fresh();
  const old = jobKeys('oooooooooooooooooooooo');
  const young = jobKeys('yyyyyyyyyyyyyyyyyyyyyy');
  await storage.put(old.input, bytes('upload'));
  await storage.put(old.output('png'), bytes('result'));
  await storage.put(old.outcome, bytes('{}'));
  await storage.put(young.input, bytes('upload'));
  // Age the old job's files by two hours.
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  for (const key of [old.input, old.output('png'), old.outcome]) await utimes(path.join(dir, key), twoHoursAgo, twoHoursAgo);
  const ttl = 3600_000;
  assert.equal(await storage.sweep(ttl), 3);
  assert.deepEqual((await storage.list()).map((e) => e.key), [young.input]);
  // With a fake clock a day ahead, nothing is left at all.
  assert.equal(await storage.sweep(ttl, Date.now() + 24 * 3600_000), 1);
  assert.deepEqual(await storage.list(), []);
});

test('the sweeper runs sweeps and never overlaps them', async () => {
  const { storage } = await fresh();
  await storage.put('jobs/x/input', bytes('1'));
  const sweeper = startSweeper(storage, { ttlMs: 1000, intervalMs: 60_000 });
  try {
    const [a, b] = await Promise.all([sweeper.sweepNow(Date.now() + 10_000), sweeper.sweepNow(Date.now() + 10_000)]);
    assert.equal(a + b, 2, 'one sweep ran, shared by both callers'); // both see the same result, 1 each
    assert.equal(await storage.has('jobs/x/input'), false);
  } finally {
    sweeper.stop();
  }
});
