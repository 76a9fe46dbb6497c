/**
 * Server-Sent Event streams end when they should and leave nothing behind: a deleted job ends every
 * stream on it, clients that hang up (even before the stream started) release their queue listener,
 * heartbeat and stream entry, and the server's count of open streams returns to zero.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { JobListener } from '../../src/queue/types.js';
import { waitFor } from '../queue/helpers.js';
import { readEvents, smallPhoto, startTestService, submit, untilState, type TestService } from './helpers.js';

let service: TestService;
/** Queue subscriptions currently held, counted by wrapping the queue the routes use. */
let subscriptions = 0;

before(async () => {
  service = await startTestService({ rateLimitPerMinute: 1000, maxPerClient: 50, concurrency: 1 });
  const original = service.queue.subscribe.bind(service.queue);
  service.queue.subscribe = (id: string, listener: JobListener) => {
    subscriptions++;
    const unsubscribe = original(id, listener);
    let done = false;
    return () => {
      if (!done) subscriptions--;
      done = true;
      unsubscribe();
    };
  };
});
after(() => service.stop());

const health = async () => (await (await fetch(`${service.url}/healthz`)).json()) as Record<string, any>;

/**
 * A long job in the only thread, and one queued behind it: streams on the queued one can only end
 * through what is under test (it neither starts nor finishes meanwhile).
 */
async function blockedJob() {
  const running = await submit(service.url, await smallPhoto(), { prompt: 'test:sleep=30000', size: '96' });
  await untilState(service.url, running.body['id'], 'running');
  const queued = await submit(service.url, await smallPhoto(), { size: '96' });
  return { running: running.body['id'] as string, queued: queued.body['id'] as string };
}
const cleanUp = async (...ids: string[]) => {
  for (const id of ids) await fetch(`${service.url}/api/v1/jobs/${id}`, { method: 'DELETE' });
};
/** Well inside the 30 s the blocking job holds the thread. */
const RELEASE_WITHIN_MS = 10_000;

test('DELETE ends every stream on the job with a final "failed" NOT_FOUND event, and frees their listeners', async () => {
  const baseline = subscriptions;
  const { running, queued: id } = await blockedJob();
  const streams = Array.from({ length: 5 }, () => readEvents(`${service.url}/api/v1/jobs/${id}/events`, 20_000));
  await waitFor(async () => (await health())['eventStreams'] === 5 && subscriptions === baseline + 5, 'five streams open');
  assert.equal((await fetch(`${service.url}/api/v1/jobs/${id}`, { method: 'DELETE' })).status, 204);
  for (const events of await Promise.all(streams)) {
    assert.equal(events[0].event, 'state');
    assert.equal(events.at(-1)!.event, 'failed');
    assert.equal(events.at(-1)!.data.error.code, 'NOT_FOUND');
  }
  await waitFor(async () => (await health())['eventStreams'] === 0 && subscriptions === baseline, 'all released', RELEASE_WITHIN_MS);
  await cleanUp(running);
});

test('clients that hang up release the listener, the heartbeat and the stream entry', async () => {
  const baseline = subscriptions;
  const { running, queued } = await blockedJob();
  const controllers = Array.from({ length: 10 }, () => new AbortController());
  const responses = await Promise.all(controllers.map((c) => fetch(`${service.url}/api/v1/jobs/${queued}/events`, { signal: c.signal })));
  assert.ok(responses.every((r) => r.status === 200));
  await waitFor(async () => (await health())['eventStreams'] === 10, 'ten streams open');
  for (const c of controllers) c.abort();
  await waitFor(async () => (await health())['eventStreams'] === 0 && subscriptions === baseline, 'released after hang-up', RELEASE_WITHIN_MS);
  // The job itself is untouched.
  assert.equal(((await (await fetch(`${service.url}/api/v1/jobs/${queued}`)).json()) as any).state, 'queued');
  await cleanUp(queued, running);
});

test('a client that leaves while its job is still being looked up leaves nothing behind', async () => {
  const baseline = subscriptions;
  const { running, queued } = await blockedJob();
  // Hold the route's first lookup of this job until the client has gone.
  const get = service.queue.get.bind(service.queue);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  service.queue.get = async (id) => {
    if (id === queued && !held) {
      held = true;
      await gate;
    }
    return get(id);
  };
  try {
    const controller = new AbortController();
    const pending = fetch(`${service.url}/api/v1/jobs/${queued}/events`, { signal: controller.signal }).catch(() => undefined);
    await waitFor(() => held, 'lookup held');
    controller.abort();
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the server see the hang-up
    release();
    await waitFor(async () => (await health())['eventStreams'] === 0 && subscriptions === baseline, 'nothing left after an early hang-up', RELEASE_WITHIN_MS);
  } finally {
    service.queue.get = get;
    release();
  }
  await cleanUp(queued, running);
});

test('a finished job: the stream sends its state once and ends; an unknown job is 404 JSON, not a stream', async () => {
  const { body } = await submit(service.url, await smallPhoto(), { size: '96' });
  await untilState(service.url, body['id'], 'done');
  const events = await readEvents(`${service.url}/api/v1/jobs/${body['id']}/events`, 10_000);
  assert.deepEqual(events.map((e) => e.event), ['state']);
  assert.equal(events[0].data.state, 'done');
  const missing = await fetch(`${service.url}/api/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA/events`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as any).error.code, 'NOT_FOUND');
  assert.equal((await health())['eventStreams'], 0);
});
