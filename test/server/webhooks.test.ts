/**
 * Job webhooks: where they may point (SSRF guard, at submission and again at delivery), what they
 * carry and how they are signed, retries, bad receivers, cancellation, and one delivery per job.
 * A local receiver on loopback stands in for the client's server (the opt-in for private targets
 * is on wherever a test delivers to it).
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { resolveServerConfig } from '../../src/server/config.js';
import { checkWebhookUrl, classifyAddress, redactWebhookUrl } from '../../src/server/webhook-policy.js';
import { SIGNATURE_HEADER } from '../../src/server/webhooks.js';
import { waitFor } from '../queue/helpers.js';
import { getJob, smallPhoto, startTestService, submit, untilState, type TestService } from './helpers.js';

const SECRET = 'webhook-test-secret-0123456789';

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: Record<string, any>;
  url: string;
}

/** A receiver on loopback whose answer per request is scripted: a status, 'hang' or 'drop'. */
async function startReceiver(script: (n: number) => number | 'hang' | 'drop' = () => 204) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  let count = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, raw, body: JSON.parse(raw), url: request.url ?? '' });
      const answer = script(++count);
      if (answer === 'hang') return void hanging.push(response);
      if (answer === 'drop') return void request.socket.destroy();
      response.writeHead(answer).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How a receiver checks a delivery (the README describes the same steps). */
function verify(received: Received, secret: string): boolean {
  const header = String(received.headers[SIGNATURE_HEADER] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${received.raw}`).digest();
  const given = Buffer.from(match[2], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

describe('webhook address policy', () => {
  test('literal addresses in every spelling are classified', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd00::1', 'private'],
      ['fc12:3456::1', 'private'],
      ['169.254.1.1', 'link-local'],
      ['fe80::1', 'link-local'],
      ['169.254.169.254', 'metadata'],
      ['100.100.100.200', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:169.254.169.254', 'metadata'],
      ['::127.0.0.1', 'loopback'],
      ['64:ff9b::10.0.0.1', 'private'],
      ['2002:7f00:1::1', 'loopback'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'multicast'],
      ['ff02::1', 'multicast'],
      ['192.0.2.10', 'reserved'],
      ['2001:db8::1', 'reserved'],
      ['2001:0:4136:e378::1', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['93.184.215.14', 'public'],
      ['8.8.8.8', 'public'],
      ['172.32.0.1', 'public'],
      ['2606:4700::1111', 'public'],
      ['::ffff:8.8.8.8', 'public'],
      ['not-an-ip', 'reserved'],
    ];
    for (const [ip, kind] of cases) assert.equal(classifyAddress(ip), kind, ip);
  });

  test('URLs to loopback, private, link-local, metadata and unspecified hosts are refused by default, in every form the URL parser accepts', async () => {
    const noDns = async () => {
      throw new Error('no DNS in this test');
    };
    const refused = [
      'http://127.0.0.1/hook',
      'http://127.1/hook',
      'http://2130706433/hook', // decimal 127.0.0.1
      'http://0x7f000001/hook', // hex
      'http://0177.0.0.1/hook', // octal
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[0:0:0:0:0:ffff:7f00:1]/hook',
      'http://0.0.0.0:8080/hook',
      'http://0/hook',
      'http://[::]/hook',
      'http://10.0.0.5/hook',
      'https://192.168.0.10/hook',
      'http://[fd12::1]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/hook',
      'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of 169.254.169.254
      'http://localhost:8080/hook',
      'http://LOCALHOST./hook',
      'http://app.localhost/hook',
      'http://metadata.google.internal/computeMetadata/v1/',
    ];
    for (const url of refused) {
      const verdict = await checkWebhookUrl(url, { allowPrivate: false, lookup: noDns });
      assert.ok(!(verdict instanceof URL) && verdict.kind === 'not-allowed', `${url} refused: ${JSON.stringify(verdict)}`);
    }
    // Shape problems are a different refusal.
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', `https://example.com/${'a'.repeat(1100)}`]) {
      const verdict = await checkWebhookUrl(url, { allowPrivate: false, lookup: noDns });
      assert.ok(!(verdict instanceof URL) && verdict.kind === 'invalid', url);
    }
  });

  test('names are resolved: one private address among public ones is enough to refuse; the opt-in allows private but never metadata', async () => {
    const lookup = (answers: string[]) => async () => answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    assert.ok((await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, lookup: lookup(['93.184.215.14']) })) instanceof URL);
    const mixed = await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, lookup: lookup(['93.184.215.14', '10.0.0.7']) });
    assert.ok(!(mixed instanceof URL) && mixed.kind === 'not-allowed' && /private/.test(mixed.reason));
    const unresolvable = await checkWebhookUrl('https://nope.example.com/x', { allowPrivate: false, lookup: async () => Promise.reject(new Error('ENOTFOUND')) });
    assert.ok(!(unresolvable instanceof URL) && unresolvable.kind === 'not-allowed');
    // Opt-in: loopback and private are fine, metadata and unspecified never.
    assert.ok((await checkWebhookUrl('http://127.0.0.1:9/x', { allowPrivate: true })) instanceof URL);
    assert.ok((await checkWebhookUrl('http://[::ffff:10.0.0.1]/x', { allowPrivate: true })) instanceof URL);
    assert.ok(!((await checkWebhookUrl('http://169.254.169.254/x', { allowPrivate: true })) instanceof URL));
    assert.ok(!((await checkWebhookUrl('http://0.0.0.0/x', { allowPrivate: true })) instanceof URL));
  });

  test('redaction keeps scheme, host and path; drops query and credentials', () => {
    assert.equal(redactWebhookUrl('https://user:pw@hooks.example.com:8443/in/abc?token=s3cret#x'), 'https://hooks.example.com:8443/in/abc');
  });

  test('configuration: option ?? ANIME_ME_WEBHOOK_ALLOW_PRIVATE ?? false; secrets have a floor', () => {
    assert.equal(resolveServerConfig({}, {}).webhookAllowPrivate, false);
    assert.equal(resolveServerConfig({}, { ANIME_ME_WEBHOOK_ALLOW_PRIVATE: 'yes' }).webhookAllowPrivate, true);
    assert.equal(resolveServerConfig({ webhookAllowPrivate: false }, { ANIME_ME_WEBHOOK_ALLOW_PRIVATE: '1' }).webhookAllowPrivate, false);
    assert.throws(() => resolveServerConfig({}, { ANIME_ME_WEBHOOK_ALLOW_PRIVATE: 'maybe' }), /ANIME_ME_WEBHOOK_ALLOW_PRIVATE/);
    assert.equal(resolveServerConfig({}, { ANIME_ME_WEBHOOK_SECRET: SECRET }).webhookSecret, SECRET);
    assert.equal(resolveServerConfig({}, {}).webhookSecretSource, 'random');
    assert.throws(() => resolveServerConfig({}, { ANIME_ME_WEBHOOK_SECRET: 'short' }), /at least 16 characters for the webhook secret/);
    assert.equal(resolveServerConfig({}, { ANIME_ME_PUBLIC_URL: 'https://anime.example.com/' }).publicUrl, 'https://anime.example.com');
  });
});

describe('webhooks over HTTP, private targets refused (the default)', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ rateLimitPerMinute: 1000, maxPerClient: 50, webhookSecret: SECRET });
  });
  after(() => service.stop());

  test('400 WEBHOOK_NOT_ALLOWED for private, loopback, IPv6-loopback, 0.0.0.0, decimal-IP and mapped forms (multipart and JSON); nothing stored or queued', async () => {
    const receiver = await startReceiver();
    try {
      const photo = await smallPhoto();
      const targets = [
        receiver.url(),
        `http://[::1]:${receiver.port}/hook`,
        `http://0.0.0.0:${receiver.port}/hook`,
        `http://2130706433:${receiver.port}/hook`,
        `http://[::ffff:127.0.0.1]:${receiver.port}/hook`,
        'http://192.168.1.20/hook',
        'http://169.254.169.254/latest/meta-data/iam/',
        `http://localhost:${receiver.port}/hook?token=s3cret`,
      ];
      for (const webhook of targets) {
        const multipart = await submit(service.url, photo, { webhook });
        assert.equal(multipart.status, 400, `${webhook}: ${JSON.stringify(multipart.body)}`);
        assert.equal(multipart.body['error'].code, 'WEBHOOK_NOT_ALLOWED', webhook);
        assert.ok(!multipart.body['error'].message.includes('s3cret'), 'the query string is not echoed');
        const json = await fetch(`${service.url}/api/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image: Buffer.from(photo).toString('base64'), webhook }),
        });
        assert.equal(json.status, 400, webhook);
        assert.equal(((await json.json()) as any).error.code, 'WEBHOOK_NOT_ALLOWED');
      }
      for (const [webhook, message] of [
        ['ftp://example.com/hook', /Expected http or https URL for webhook but received "ftp:\/\/example.com\/hook"/],
        ['not a url', /Expected absolute http or https URL for webhook/],
      ] as const) {
        const response = await submit(service.url, photo, { webhook });
        assert.equal(response.status, 400, webhook);
        assert.equal(response.body['error'].code, 'INVALID_ARGUMENT');
        assert.match(response.body['error'].message, message);
      }
      const json = await fetch(`${service.url}/api/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: Buffer.from(photo).toString('base64'), webhook: 42 }),
      });
      assert.equal(json.status, 400);
      assert.match(((await json.json()) as any).error.message, /^Expected http or https URL for webhook but received 42 of type number$/);
      const stats = await service.queue.stats();
      assert.equal(stats.queued + stats.running + stats.done + stats.failed, 0, 'nothing queued');
      assert.deepEqual(await service.storage.list(), [], 'nothing stored');
      assert.equal(receiver.received.length, 0, 'the receiver was never called');
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook delivery (private targets allowed for the loopback receiver)', () => {
  let service: TestService;
  const logLines: string[] = [];
  before(async () => {
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(String(chunk));
        callback();
      },
    });
    service = await startTestService({
      rateLimitPerMinute: 1000,
      maxPerClient: 50,
      concurrency: 1,
      webhookAllowPrivate: true,
      webhookSecret: SECRET,
      webhookRetryBaseMs: 20,
      webhookTimeoutMs: 1000,
      logger: { level: 'warn', stream },
    });
  });
  after(() => service.stop());

  test('done: one signed POST with id, state, absolute signed result and composite links, timings; the job shows it delivered', async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const { status, body } = await submit(service.url, await smallPhoto(), { webhook: receiver.url('/in?token=abc'), composite: 'true' });
      assert.equal(status, 202, JSON.stringify(body));
      const id = body['id'];
      const job = await waitFor(async () => {
        const j = (await getJob(service.url, id)).body;
        return j['webhook']?.state === 'delivered' ? j : undefined;
      }, 'webhook delivered');
      assert.deepEqual({ ...job['webhook'], at: undefined }, { state: 'delivered', attempts: 1, status: 200, at: undefined });
      assert.equal(receiver.received.length, 1);
      const [delivery] = receiver.received;
      assert.equal(delivery.url, '/in?token=abc', 'the query string reaches the receiver');
      assert.equal(delivery.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(delivery.headers['x-anime-me-event'], 'job.done');
      assert.ok(verify(delivery, SECRET), 'the signature verifies with the shared secret');
      assert.ok(!verify(delivery, 'another-secret-0123456789'), 'and not with another');
      assert.ok(!verify({ ...delivery, raw: delivery.raw.replace('"done"', '"failed"') }, SECRET), 'a changed body does not verify');
      const payload = delivery.body;
      assert.equal(payload['id'], id);
      assert.equal(payload['state'], 'done');
      assert.equal(payload['event'], 'job.done');
      assert.equal(typeof payload['timings'], 'object');
      assert.equal(typeof payload['runMs'], 'number');
      assert.equal(payload['links'].job, `${service.url}/api/v1/jobs/${id}`, 'absolute, on the address the client used');
      assert.ok(!('analysis' in payload) && !('prompt' in payload), 'no description of the person in the payload');
      for (const which of ['result', 'composite'] as const) {
        assert.match(payload[which].url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/jobs\/[\w-]+\/(result|composite)\?exp=\d+&sig=[\w-]{43}$/);
        const file = await fetch(payload[which].url);
        assert.equal(file.status, 200, `${which} link from the webhook works`);
        await file.arrayBuffer();
      }
    } finally {
      await receiver.close();
    }
  });

  test('a receiver that fails twice (500, dropped connection) gets retried and the third attempt is delivered', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 500 : n === 2 ? 'drop' : 202));
    try {
      const { body } = await submit(service.url, await smallPhoto(), { webhook: receiver.url() });
      const job = await waitFor(async () => {
        const j = (await getJob(service.url, body['id'])).body;
        return j['webhook']?.state === 'delivered' ? j : undefined;
      }, 'delivered after retries');
      assert.equal(job['webhook'].attempts, 3);
      assert.equal(job['webhook'].status, 202);
      assert.equal(receiver.received.length, 3);
      assert.ok(receiver.received.every((r) => verify(r, SECRET)));
    } finally {
      await receiver.close();
    }
  });

  test('a receiver that always fails: the job is done, the webhook shows failed with a code, the log has no query string; a 4xx is not retried', async () => {
    const broken = await startReceiver(() => 503);
    const refusing = await startReceiver(() => 410);
    try {
      const { body } = await submit(service.url, await smallPhoto(), { webhook: broken.url('/hook?token=s3cret-in-query') });
      const job = await waitFor(async () => {
        const j = (await getJob(service.url, body['id'])).body;
        return j['webhook']?.state === 'failed' ? j : undefined;
      }, 'webhook failed');
      assert.equal(job['state'], 'done', 'the job itself is fine');
      assert.deepEqual([job['webhook'].attempts, job['webhook'].error, job['webhook'].status], [3, 'HTTP_503', 503]);
      await waitFor(() => logLines.some((l) => l.includes('webhook delivery failed') && l.includes(body['id'])), 'failure logged');
      const line = logLines.find((l) => l.includes(body['id']))!;
      assert.match(line, /"webhook":"http:\/\/127\.0\.0\.1:\d+\/hook"/);
      assert.ok(!logLines.join('').includes('s3cret-in-query'), 'no query string in the log');

      const second = await submit(service.url, await smallPhoto(), { webhook: refusing.url() });
      const refused = await waitFor(async () => {
        const j = (await getJob(service.url, second.body['id'])).body;
        return j['webhook']?.state === 'failed' ? j : undefined;
      }, 'webhook refused');
      assert.deepEqual([refused['webhook'].attempts, refused['webhook'].error], [1, 'HTTP_410']);
      assert.equal(refusing.received.length, 1);
    } finally {
      await broken.close();
      await refusing.close();
    }
  });

  test('a redirect is not followed (it could point anywhere): the delivery fails with REDIRECT after one attempt', async () => {
    const target = await startReceiver(() => 200);
    const redirecting = createServer((_request, response) => response.writeHead(307, { location: target.url('/elsewhere') }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const port = (redirecting.address() as AddressInfo).port;
      const { body } = await submit(service.url, await smallPhoto(), { webhook: `http://127.0.0.1:${port}/hook` });
      const job = await waitFor(async () => {
        const j = (await getJob(service.url, body['id'])).body;
        return j['webhook']?.state === 'failed' ? j : undefined;
      }, 'redirect refused');
      assert.deepEqual([job['webhook'].error, job['webhook'].attempts, job['webhook'].status], ['REDIRECT', 1, 307]);
      assert.equal(target.received.length, 0, 'the redirect target was never called');
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await target.close();
    }
  });

  test('a receiver that never answers does not hold up the queue: later jobs finish while its delivery waits', async () => {
    const hanging = await startReceiver(() => 'hang');
    try {
      const first = await submit(service.url, await smallPhoto(), { webhook: hanging.url() });
      await untilState(service.url, first.body['id'], 'done');
      const second = await submit(service.url, await smallPhoto());
      await untilState(service.url, second.body['id'], 'done');
      const job = await waitFor(async () => {
        const j = (await getJob(service.url, first.body['id'])).body;
        return j['webhook']?.state === 'failed' ? j : undefined;
      }, 'timed out delivery recorded');
      assert.equal(job['webhook'].error, 'TIMEOUT');
      assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    } finally {
      await hanging.close();
    }
  });

  test('failed and cancelled jobs notify too, with the error code', async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const failing = await submit(service.url, await smallPhoto(), { webhook: receiver.url('/failed'), prompt: 'test:fail=CORRUPT_IMAGE' });
      await untilState(service.url, failing.body['id'], 'failed');
      const running = await submit(service.url, await smallPhoto(), { webhook: receiver.url('/cancelled'), prompt: 'test:sleep=3000' });
      await untilState(service.url, running.body['id'], 'running');
      assert.equal((await fetch(`${service.url}/api/v1/jobs/${running.body['id']}`, { method: 'DELETE' })).status, 204);
      await waitFor(() => receiver.received.length >= 2, 'two notices');
      const byPath = Object.fromEntries(receiver.received.map((r) => [r.url, r.body]));
      assert.equal(byPath['/failed']['state'], 'failed');
      assert.equal(byPath['/failed']['error'].code, 'CORRUPT_IMAGE');
      assert.ok(!('result' in byPath['/failed']));
      assert.equal(byPath['/cancelled']['state'], 'cancelled');
      assert.equal(byPath['/cancelled']['error'].code, 'CANCELLED');
      assert.equal(receiver.received.length, 2, 'exactly one notice per job');
    } finally {
      await receiver.close();
    }
  });
});

test('DNS rebinding: a name that was public at submission and points at loopback at delivery is not called', async () => {
  const receiver = await startReceiver(() => 200);
  let calls = 0;
  // Submission sees a public address; every later lookup (the delivery's) answers loopback.
  const lookup = ((hostname: string, options: unknown, callback: (e: Error | null, a: LookupAddress[] | string, f?: number) => void) => {
    const address = ++calls === 1 ? '93.184.215.14' : '127.0.0.1';
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    if (all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  }) as unknown as typeof import('node:dns').lookup;
  const service = await startTestService({ rateLimitPerMinute: 1000, webhookSecret: SECRET, webhookRetryBaseMs: 10, dnsLookup: lookup });
  try {
    const { status, body } = await submit(service.url, await smallPhoto(), { webhook: `http://hooks.rebind.example:${receiver.port}/hook` });
    assert.equal(status, 202, JSON.stringify(body));
    const job = await waitFor(async () => {
      const j = (await getJob(service.url, body['id'])).body;
      return j['webhook']?.state === 'failed' ? j : undefined;
    }, 'delivery refused');
    assert.deepEqual([job['webhook'].error, job['webhook'].attempts], ['ADDRESS_NOT_ALLOWED', 1]);
    assert.equal(receiver.received.length, 0, 'the loopback receiver was never called');
    assert.ok(calls >= 2, 'the delivery resolved the name again');
  } finally {
    await service.stop();
    await receiver.close();
  }
});
