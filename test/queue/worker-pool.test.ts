import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AnimeMeError } from '../../src/errors.js';
import { createWorkerPool, type WorkerPool } from '../../src/queue/worker-pool.js';
import { sharp } from '../image/helpers.js';

const STAND_IN = new URL('./fixtures/stand-in-pipeline.ts', import.meta.url).href;
const pools: WorkerPool[] = [];
after(async () => {
  for (const pool of pools) await pool.close();
});

function pool(options: Parameters<typeof createWorkerPool>[0] = {}) {
  const p = createWorkerPool({ size: 1, pipelineModule: STAND_IN, ...options });
  pools.push(p);
  return p;
}

const photo = () => sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer().then((b) => new Uint8Array(b));

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    assert.ok(error instanceof AnimeMeError, String(error));
    return error.code;
  }
}

test('a job runs in a thread: result bytes, stage progress, and the caller’s event loop stays free', async () => {
  const p = pool({ pipelineOptions: { blockMs: 800 } });
  const stages: string[] = [];
  let ticks = 0;
  let tickedWhileRunning = false;
  // A timer that can only fire if this thread is free while the pipeline thread is blocked.
  const timer = setInterval(() => {
    ticks++;
    if (stages.includes('stylize') && !stages.includes('upscale')) tickedWhileRunning = true;
  }, 5);
  try {
    const result = await p.run(await photo(), { seed: 3, size: 128, composite: true }, { onProgress: (e) => stages.push(e.stage) });
    assert.equal(result.format, 'png');
    assert.deepEqual([...result.output.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.ok(result.composite && result.composite[0] === 0xff && result.composite[1] === 0xd8, 'composite is a JPEG');
    assert.equal(Math.max(result.width, result.height), 128);
    for (const stage of ['decode', 'describe', 'stylize', 'upscale', 'compose', 'encode']) assert.ok(stages.includes(stage), stage);
    assert.ok(tickedWhileRunning, `this thread ran timers while the pipeline thread was blocked (${ticks} ticks)`);
  } finally {
    clearInterval(timer);
  }
});

test('pipeline errors keep their codes', async () => {
  const p = pool();
  assert.equal(await code(p.run(await photo(), { seed: 0, size: 96, prompt: 'test:fail=CORRUPT_IMAGE' })), 'CORRUPT_IMAGE');
  assert.equal(await code(p.run(new Uint8Array([1, 2, 3]), { seed: 0, size: 96 })), 'UNSUPPORTED_TYPE');
});

test('a crashed thread fails its job as INTERNAL (retryable) and is replaced', async () => {
  const p = pool();
  assert.equal(await code(p.run(await photo(), { seed: 0, size: 96, prompt: 'test:crash' })), 'INTERNAL');
  const result = await p.run(await photo(), { seed: 0, size: 96 });
  assert.ok(result.output.length > 0);
  assert.equal(p.stats().restarts, 1);
});

test('a job over its time budget fails with TIMEOUT; a thread that ignores the stop is replaced', async () => {
  // The budget also covers the normal job that follows, so it leaves room for a loaded CI machine.
  const p = pool({ timeoutMs: 3000, stopGraceMs: 200 });
  assert.equal(await code(p.run(await photo(), { seed: 0, size: 96, prompt: 'test:hang' })), 'TIMEOUT');
  const result = await p.run(await photo(), { seed: 0, size: 96 }); // served by the replacement thread
  assert.ok(result.output.length > 0);
  assert.ok(p.stats().restarts >= 1);
});

test('cancelling: a waiting job never starts, a running one stops with CANCELLED', async () => {
  const p = pool({ pipelineOptions: { blockMs: 1500 } });
  const running = new AbortController();
  const waiting = new AbortController();
  let started!: () => void;
  const isRunning = new Promise<void>((resolve) => (started = resolve));
  const first = p.run(await photo(), { seed: 0, size: 96 }, { signal: running.signal, onProgress: () => started() });
  await isRunning;
  const second = p.run(await photo(), { seed: 0, size: 96 }, { signal: waiting.signal });
  assert.equal(p.stats().waiting, 1);
  waiting.abort();
  assert.equal(await code(second), 'CANCELLED');
  running.abort();
  assert.equal(await code(first), 'CANCELLED');
  const result = await p.run(await photo(), { seed: 0, size: 96 });
  assert.ok(result.output.length > 0);
});

test('a pipeline module that cannot load fails jobs at once instead of retrying forever', async () => {
  const p = pool({ pipelineModule: new URL('./fixtures/does-not-exist.ts', import.meta.url).href });
  const error = await p.run(await photo(), { seed: 0 }).catch((e: unknown) => e);
  assert.ok(error instanceof AnimeMeError);
  assert.match(error.message, /could not start|keep failing/);
  assert.equal(error.details?.['retry'], false);
});

test('the pool reports its threads’ own memory after a job (for /healthz and the load bench)', async () => {
  const p = pool({ pipelineOptions: { blockMs: 10 } });
  assert.equal(p.stats().memoryMiB, undefined, 'nothing reported before a job');
  await p.run(await photo(), { seed: 1, size: 96 });
  const memory = p.stats().memoryMiB;
  assert.ok(memory, 'reported');
  assert.ok(memory.heapUsed > 0 && memory.heapUsed < 4096, `thread heap ${memory.heapUsed} MiB`);
  assert.ok(memory.external >= 0 && memory.arrayBuffers >= 0);
});

test('the caller keeps its bytes; a detached buffer or uncloneable options fail that job only, and the pool goes on', async () => {
  const p = pool();
  const bytes = await photo();
  const before = bytes.slice();
  assert.ok((await p.run(bytes, { seed: 0, size: 96 })).output.length > 0);
  assert.deepEqual(bytes, before, 'the input was neither detached nor changed');
  assert.ok((await p.run(bytes, { seed: 0, size: 96 })).output.length > 0, 'the same bytes run again (a retry)');

  const detached = new Uint8Array(8);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.equal(await code(p.run(detached, { seed: 0, size: 96 })), 'INVALID_ARGUMENT');
  const uncloneable = { seed: 0, size: 96, onSomething: () => undefined } as unknown as Parameters<typeof p.run>[1];
  assert.equal(await code(p.run(bytes, uncloneable)), 'INVALID_ARGUMENT');
  assert.ok((await p.run(bytes, { seed: 0, size: 96 })).output.length > 0, 'the slot was released');
  assert.equal(p.stats().busy, 0);
});
