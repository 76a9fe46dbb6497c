/**
 * Signed, expiring result links (reliability.md G18): the job JSON hands out
 * `…/result?exp=<unix>&sig=<base64url HMAC-SHA256>`; anything else gets 403 with a stable code,
 * checked before the job is even looked up.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { resolveServerConfig } from '../../src/server/config.js';
import { createUrlSigner } from '../../src/server/signed-url.js';
import { smallPhoto, startTestService, submit, untilState, type TestService } from './helpers.js';

const SECRET = 'signed-urls-test-secret-0123456789';

describe('the signer', () => {
  const signer = createUrlSigner({ secret: SECRET, now: () => 1_700_000_000_000 });
  const path = '/api/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA/result';
  const parse = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);

  test('signs path and expiry with base64url HMAC-SHA256 (imgproxy style) and verifies its own links', () => {
    const url = signer.sign(path, 1_700_000_600_000);
    const { exp, sig } = parse(url);
    assert.equal(exp, '1700000600');
    assert.equal(sig, createHmac('sha256', SECRET).update(`${path}\n${exp}`).digest('base64url'));
    assert.equal(signer.verify(path, exp, sig), 'ok');
  });

  test('missing, malformed, tampered, moved and expired links are refused', () => {
    const { exp, sig } = parse(signer.sign(path, 1_700_000_600_000));
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    assert.equal(signer.verify(path, undefined, undefined), 'missing');
    assert.equal(signer.verify(path, exp, undefined), 'invalid');
    assert.equal(signer.verify(path, exp, flipped), 'invalid');
    assert.equal(signer.verify(path, exp, sig.slice(0, 42)), 'invalid', 'a truncated signature');
    assert.equal(signer.verify(path, exp, `${sig}=`), 'invalid');
    // base64url's last character has two spare bits: only the canonical spelling is accepted.
    const last = 'AEIMQUYcgkosw048'.indexOf(sig.at(-1)!);
    assert.ok(last >= 0);
    assert.equal(signer.verify(path, exp, `${sig.slice(0, -1)}${String.fromCharCode(sig.charCodeAt(42) + 1)}`), 'invalid', 'a non-canonical twin');
    assert.equal(signer.verify(path, String(Number(exp) + 3600), sig), 'invalid', 'a later expiry is not signed');
    assert.equal(signer.verify(path, `${exp}.0`, sig), 'invalid');
    assert.equal(signer.verify(path, [exp], [sig]), 'invalid', 'repeated query parameters');
    assert.equal(signer.verify(path.replace('/result', '/composite'), exp, sig), 'invalid', 'another file of the job');
    assert.equal(signer.verify(path.replace('AAAA', 'BBBB'), exp, sig), 'invalid', 'another job');
    assert.equal(createUrlSigner({ secret: `${SECRET}x` }).verify(path, exp, sig, 1_700_000_000_000), 'invalid', 'another key');
    assert.equal(signer.verify(path, exp, sig, 1_700_000_600_000), 'expired', 'at the expiry second');
    assert.equal(signer.verify(path, exp, sig, 1_800_000_000_000), 'expired');
  });

  test('the secret: option, then ANIME_ME_URL_SECRET, else random per process; short secrets are refused', () => {
    assert.equal(resolveServerConfig({ urlSecret: SECRET }, {}).urlSecret, SECRET);
    const fromEnv = resolveServerConfig({}, { ANIME_ME_URL_SECRET: 'from-the-environment-123' });
    assert.deepEqual([fromEnv.urlSecret, fromEnv.urlSecretSource], ['from-the-environment-123', 'env']);
    const a = resolveServerConfig({}, {});
    const b = resolveServerConfig({}, {});
    assert.equal(a.urlSecretSource, 'random');
    assert.ok(a.urlSecret.length >= 32 && a.urlSecret !== b.urlSecret);
    assert.throws(() => resolveServerConfig({}, { ANIME_ME_URL_SECRET: 'short' }), (error: Error) => /at least 16/.test(error.message) && !error.message.includes('short"'));
  });
});

describe('signed links over HTTP', () => {
  let service: TestService;
  let job: Record<string, any>;
  before(async () => {
    service = await startTestService({ urlSecret: SECRET, rateLimitPerMinute: 1000, maxPerClient: 50 });
    const { body } = await submit(service.url, await smallPhoto(), { size: '96', composite: 'true' });
    job = await untilState(service.url, body['id'], 'done');
  });
  after(() => service.stop());

  const get = async (url: string) => {
    const response = await fetch(`${service.url}${url}`);
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: type.startsWith('application/json') ? ((await response.json()) as Record<string, any>) : undefined };
  };

  test('the job hands out signed links that expire with the result; they work, also with ?download', async () => {
    for (const url of [job['result'].url, job['composite'].url]) {
      const { exp } = Object.fromEntries(new URL(url, 'http://x').searchParams);
      assert.equal(Number(exp), Math.floor(Date.parse(job['expiresAt']) / 1000));
      assert.equal((await get(url)).status, 200);
      assert.equal((await get(`${url}&download=1`)).status, 200);
    }
  });

  test('unsigned, tampered, moved and expired links answer 403 {error: {code, message}}', async () => {
    const result = new URL(job['result'].url, 'http://x');
    const exp = result.searchParams.get('exp')!;
    const sig = result.searchParams.get('sig')!;
    const other = (await submit(service.url, await smallPhoto(), { size: '96' })).body['id'];
    await untilState(service.url, other, 'done');
    const expired = createUrlSigner({ secret: SECRET }).sign(result.pathname, Date.now() - 1000);
    const cases: Array<[string, string]> = [
      [result.pathname, 'SIGNATURE_INVALID'],
      [`${result.pathname}?exp=${exp}`, 'SIGNATURE_INVALID'],
      [`${result.pathname}?exp=${exp}&sig=${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`, 'SIGNATURE_INVALID'],
      [`${result.pathname}?exp=${Number(exp) + 86_400}&sig=${sig}`, 'SIGNATURE_INVALID'],
      [`${result.pathname}?exp=${exp}&sig=${sig}&sig=${sig}`, 'SIGNATURE_INVALID'],
      [`${result.pathname.replace('/result', '/composite')}?exp=${exp}&sig=${sig}`, 'SIGNATURE_INVALID'],
      [`/api/v1/jobs/${other}/result?exp=${exp}&sig=${sig}`, 'SIGNATURE_INVALID'],
      [`/api/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA/result?exp=${exp}&sig=${sig}`, 'SIGNATURE_INVALID'],
      [expired, 'SIGNATURE_EXPIRED'],
    ];
    for (const [url, code] of cases) {
      const answer = await get(url);
      assert.equal(answer.status, 403, url);
      assert.equal(answer.body?.['error'].code, code, url);
      assert.equal(typeof answer.body?.['error'].message, 'string');
    }
  });

  test('links signed with another key (e.g. a random key before a restart) are refused', async () => {
    const path = new URL(job['result'].url, 'http://x').pathname;
    const answer = await get(createUrlSigner({ secret: `${SECRET}-other` }).sign(path, Date.now() + 60_000));
    assert.equal(answer.status, 403);
    assert.equal(answer.body?.['error'].code, 'SIGNATURE_INVALID');
  });
});
