/**
 * The webhook dispatcher on its own (memory queue, a recording sender): it hears jobs end, claims
 * each delivery once, records the outcome, and a reconciler picks up jobs whose end it missed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newJobId } from '../../src/queue/job-id.js';
import { createMemoryQueue } from '../../src/queue/memory-queue.js';
import { createUrlSigner } from '../../src/server/signed-url.js';
import { createWebhookDispatcher, type WebhookSender } from '../../src/server/webhooks.js';
import { createControlledProcessor, waitFor } from '../queue/helpers.js';

function recordingSender() {
  const sent: Array<{ url: string; body: Record<string, any> }> = [];
  const sender: WebhookSender = {
    async send(url, body) {
      sent.push({ url, body: JSON.parse(body) });
      return { ok: true, attempts: 1, status: 200 };
    },
  };
  return { sender, sent };
}

const webhook = (n: number) => ({ url: `https://hooks.example.com/${n}`, publicBase: 'https://anime.example.com' });

test('a job that ended while nobody listened is delivered by the reconciler, once; a job heard live is not delivered again', async () => {
  const control = createControlledProcessor();
  const queue = createMemoryQueue({ processor: control.processor, concurrency: 1, capacity: 10, maxPerClient: 10, retentionMs: 60_000 });
  const { sender, sent } = recordingSender();
  const missed = newJobId();
  await queue.add({ id: missed, clientKey: 'c', options: { seed: 1 }, webhook: webhook(1) });
  await waitFor(async () => (await queue.get(missed))?.state === 'done', 'done before any dispatcher');
  const dispatcher = createWebhookDispatcher({
    queue,
    sender,
    signer: createUrlSigner({ secret: 'dispatcher-test-secret-0123' }),
    secret: 'dispatcher-test-secret-0123',
    resultTtlMs: 60_000,
    onFailure: () => undefined,
    reconcileEveryMs: 20,
    reconcileAfterMs: 0,
  });
  try {
    const live = newJobId();
    await queue.add({ id: live, clientKey: 'c', options: { seed: 2, prompt: 'fail:CORRUPT_IMAGE' }, webhook: webhook(2) });
    await waitFor(() => sent.length >= 2, 'both delivered');
    // Several more reconcile rounds: nothing is sent twice.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await dispatcher.idle();
    assert.deepEqual(sent.map((s) => s.url).sort(), ['https://hooks.example.com/1', 'https://hooks.example.com/2']);
    const byUrl = Object.fromEntries(sent.map((s) => [s.url, s.body]));
    assert.equal(byUrl['https://hooks.example.com/1']['state'], 'done');
    assert.match(byUrl['https://hooks.example.com/1']['result'].url, /^https:\/\/anime\.example\.com\/api\/v1\/jobs\/[\w-]+\/result\?exp=\d+&sig=/);
    assert.equal(byUrl['https://hooks.example.com/2']['state'], 'failed');
    assert.equal(byUrl['https://hooks.example.com/2']['error'].code, 'CORRUPT_IMAGE');
    for (const id of [missed, live]) assert.equal((await queue.get(id))!.webhook?.delivery?.state, 'delivered');
  } finally {
    await dispatcher.close();
    await queue.close();
  }
});

test('close() stops reconciling and aborts deliveries still waiting after the grace period', async () => {
  const control = createControlledProcessor();
  const queue = createMemoryQueue({ processor: control.processor, concurrency: 1, capacity: 10, maxPerClient: 10, retentionMs: 60_000 });
  let aborted = false;
  const sender: WebhookSender = {
    send: (_url, _body, _headers, signal) =>
      new Promise((resolve) => {
        signal?.addEventListener('abort', () => {
          aborted = true;
          resolve({ ok: false, attempts: 1, error: 'CANCELLED' });
        });
      }),
  };
  const dispatcher = createWebhookDispatcher({ queue, sender, signer: createUrlSigner({ secret: 'dispatcher-test-secret-0123' }), secret: 'x'.repeat(16), resultTtlMs: 60_000, onFailure: () => undefined });
  const id = newJobId();
  await queue.add({ id, clientKey: 'c', options: { seed: 1 }, webhook: webhook(3) });
  await waitFor(async () => (await queue.get(id))?.webhook?.delivery?.state === 'pending', 'delivery under way');
  await dispatcher.close(50);
  assert.equal(aborted, true);
  await queue.close();
});
