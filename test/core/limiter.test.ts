import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLimiter } from '../../src/core/limiter.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a limiter runs at most `limit` tasks at once, in arrival order, and goes on after a failure', async () => {
  const limit = createLimiter(2);
  let active = 0;
  let most = 0;
  const started: number[] = [];
  const gates: Array<() => void> = [];
  const task = (i: number, fail = false) =>
    limit(async () => {
      started.push(i);
      active++;
      most = Math.max(most, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
      if (fail) throw new Error(`task ${i}`);
      return i;
    });
  const results = [task(0, true), task(1), task(2), task(3)].map((p) => p.then((v) => v, (e: Error) => e.message));
  await tick();
  assert.deepEqual(started, [0, 1]);
  while (gates.length) {
    gates.shift()!();
    await tick();
    await tick();
  }
  assert.deepEqual(await Promise.all(results), ['task 0', 1, 2, 3]);
  assert.deepEqual(started, [0, 1, 2, 3]);
  assert.equal(most, 2);
});

test('releaseWaiting starts every waiting task at once (shutdown)', async () => {
  const limit = createLimiter(1);
  let release!: () => void;
  const first = limit(() => new Promise<void>((resolve) => (release = resolve)));
  const ran: number[] = [];
  const rest = [1, 2, 3].map((i) => limit(async () => void ran.push(i)));
  await tick();
  assert.deepEqual(ran, []);
  limit.releaseWaiting();
  await Promise.all(rest);
  assert.deepEqual(ran, [1, 2, 3]);
  release();
  await first;
});
