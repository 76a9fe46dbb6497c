import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestService, type TestService } from './helpers.js';

let service: TestService;
before(async () => {
  service = await startTestService();
});
after(() => service.stop());

test('GET / serves the page with a strict Content-Security-Policy and no inline script', async () => {
  const response = await fetch(`${service.url}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/html/);
  const csp = response.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  const html = await response.text();
  assert.match(html, /<input type="file" id="camera" accept="image\/\*" capture="user">/);
  assert.doesNotMatch(html, /<script>(?!<)/, 'no inline scripts');
  assert.doesNotMatch(html, / style="/, 'no inline styles (CSP)');
  // Every form control has a label.
  for (const id of ['camera', 'library', 'slider']) assert.match(html, new RegExp(`<label[^>]*(for="${id}"|>[\\s\\S]{0,200}id="${id}")`), id);
});

test('assets and the page config are served; unknown files are 404', async () => {
  for (const [route, type] of [
    ['/app.js', /^text\/javascript/],
    ['/app.css', /^text\/css/],
    ['/icon.svg', /^image\/svg\+xml/],
    ['/manifest.webmanifest', /^application\/manifest\+json/],
  ] as const) {
    const response = await fetch(`${service.url}${route}`);
    assert.equal(response.status, 200, route);
    assert.match(response.headers.get('content-type')!, type, route);
  }
  const config = (await (await fetch(`${service.url}/api/v1/config`)).json()) as Record<string, any>;
  assert.deepEqual(config['styles'], ['auto', 'bright-cel', 'soft-watercolor', 'manga-ink', 'dreamy-sky']);
  assert.equal(config['resultTtlSeconds'], 3600);
  assert.equal((await fetch(`${service.url}/../package.json`)).status, 404);
  assert.equal((await fetch(`${service.url}/app.ts`)).status, 404);
});

test('every UI string exists in both English and Chinese', async () => {
  const js = await (await fetch(`${service.url}/app.js`)).text();
  const html = await (await fetch(`${service.url}/`)).text();
  const keys = [...html.matchAll(/data-i18n(?:-alt)?="([^"]+)"/g)].map((m) => m[1]);
  const en = js.slice(js.indexOf('  en: {'), js.indexOf('  zh: {'));
  const zh = js.slice(js.indexOf('  zh: {'), js.indexOf('const STAGES'));
  for (const key of new Set(keys)) {
    const pattern = new RegExp(`\\n\\s+'?${key.replace(/[-]/g, '\\-')}'?:`);
    assert.match(en, pattern, `en ${key}`);
    assert.match(zh, pattern, `zh ${key}`);
  }
});
