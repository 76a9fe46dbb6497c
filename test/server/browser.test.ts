/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core, headless, a fresh
 * profile per run, against a service on loopback running the real pipeline. Screenshots go to the
 * system temp folder (anime-me-web-*.png) for people to look at.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestService, type TestService } from './helpers.js';

// Callbacks passed to page.evaluate run in the browser; this project's tsconfig has no DOM types, and
// a module-scoped declaration keeps them from leaking into the rest of the program.
declare const document: any;

const CHROMIUM = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
const SKIP = CHROMIUM ? false : 'Chromium is not installed (apt-get install -y chromium); browser test skipped';
const PHOTOS = fileURLToPath(new URL('../fixtures/photos/', import.meta.url));
const SHOTS = tmpdir();

let service: TestService;
const contexts: Array<{ context: BrowserContext; dir: string }> = [];

before(async () => {
  if (SKIP) return;
  // The real Node pipeline in the threads: this is what people see.
  service = await startTestService({ pipelineModule: undefined, pipelineOptions: undefined, rateLimitPerMinute: 1000, maxPerClient: 5 });
});
after(async () => {
  for (const { context, dir } of contexts) {
    await context.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  await service?.stop();
});

async function openPage(locale: string): Promise<Page> {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(path.join(tmpdir(), 'anime-me-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale,
  });
  contexts.push({ context, dir });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${service.url}/`);
  return page;
}

/** Wait until the status line shows one of `texts`, remembering every status seen meanwhile. */
async function collectStatuses(page: Page, until: string) {
  return page.evaluate(async (selector) => {
    const seen: string[] = [];
    const status = document.querySelector('#status')!;
    const bar = document.querySelector('#bar');
    const result = document.querySelector(selector)!;
    for (let i = 0; i < 2400 && result.hasAttribute('hidden') && document.querySelector('#error')!.hasAttribute('hidden'); i++) {
      const text = `${status.textContent}|${bar.value}`;
      if (seen.at(-1) !== text) seen.push(text);
      await new Promise((r) => setTimeout(r, 50));
    }
    return seen;
  }, until);
}

test('English: upload a photo, follow progress, get the result and the share composite', { skip: SKIP, timeout: 180_000 }, async () => {
  const page = await openPage('en-US');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('h1 [data-i18n="title"]'), 'Anime me');
  assert.equal(await page.isDisabled('#go'), true);
  await page.setInputFiles('#library', path.join(PHOTOS, 'deb_mpl_grace_hopper.jpg'));
  await page.waitForSelector('#preview:not([hidden])');
  await page.check('input[name="style"][value="manga-ink"]');
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-1-picked.png'), fullPage: true });
  await page.click('#go');
  const statuses = await collectStatuses(page, '#result');
  assert.ok(statuses.length >= 2, `saw progress: ${statuses.join(' → ')}`);
  assert.ok(
    statuses.some((s) => /Finding people and faces|Painting in anime style|Sharpening the details|Making the share picture|Saving|Reading your photo|Choosing the look/.test(s)),
    `stage names shown: ${statuses.join(' → ')}`,
  );
  await page.waitForSelector('#result:not([hidden])', { timeout: 120_000 });
  await page.waitForFunction(() => {
    const img = document.querySelector('#after');
    return img.complete && img.naturalWidth > 0;
  });
  // Download link → the clean PNG; the job has a share composite (JPEG).
  const href = await page.getAttribute('#download', 'href');
  assert.match(href!, /\/result\?exp=\d+&sig=[A-Za-z0-9_-]{43}&download=1$/, 'the page uses the signed link');
  const download = await page.request.get(`${service.url}${href}`);
  assert.equal(download.status(), 200);
  assert.equal(download.headers()['content-type'], 'image/png');
  const jobId = href!.split('/')[4];
  const job = await (await page.request.get(`${service.url}/api/v1/jobs/${jobId}`)).json();
  assert.equal(job.description.style, 'manga-ink');
  const composite = await page.request.get(`${service.url}${job.composite.url}`);
  assert.equal(composite.headers()['content-type'], 'image/jpeg');
  // The before/after slider works from the keyboard.
  await page.focus('#slider');
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  const clip = await page.$eval('#after-wrap', (el) => (el as any).style.clipPath);
  assert.equal(clip, 'inset(0px 0px 0px 60%)');
  // What the system saw is listed; the result is remembered on this phone.
  await page.click('.about summary');
  assert.match((await page.textContent('#facts'))!, /People\s*1/);
  await page.waitForSelector('#recent:not([hidden]) #recent-list li img');
  await page.$eval('#slider', (el) => {
    (el as any).value = '50';
    el.dispatchEvent(new (globalThis as any).Event('input'));
  });
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-2-result-en.png'), fullPage: true });

  // Switch to Chinese on the result page.
  await page.click('#lang');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await page.textContent('h1 [data-i18n="title"]'), '二次元的我');
  assert.equal(await page.textContent('#download'), '下载');
  assert.match((await page.textContent('#facts'))!, /人数\s*1/);
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-3-result-zh.png'), fullPage: true });
  assert.deepEqual((page as Page & { problems?: string[] }).problems, []);
});

test('Chinese by default from the browser language: progress and errors in Chinese', { skip: SKIP, timeout: 180_000 }, async () => {
  const page = await openPage('zh-CN');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await page.textContent('#go'), '变成动漫');
  // A file that is not a photo: a Chinese error, no crash.
  await page.setInputFiles('#library', { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a photo') });
  await page.click('#go');
  await page.waitForSelector('#error:not([hidden])');
  assert.equal(await page.getAttribute('#error', 'data-code'), 'UNSUPPORTED_TYPE');
  assert.match((await page.textContent('#error'))!, /不支持这种文件/);
  // A cat: auto style, progress in Chinese, a result.
  await page.setInputFiles('#camera', path.join(PHOTOS, 'deb_skimage_chelsea.png'));
  await page.click('#go');
  const statuses = await collectStatuses(page, '#result');
  assert.ok(statuses.some((s) => /识别人物和脸部|绘制动漫风格|提升清晰度|制作分享图|保存|读取照片|选择画风|排在第|轮到你/.test(s)), statuses.join(' → '));
  await page.waitForSelector('#result:not([hidden])', { timeout: 120_000 });
  await page.waitForFunction(() => (document.querySelector('#after')).naturalWidth > 0);
  assert.equal(await page.textContent('#again'), '再来一张');
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-4-result-zh-cat.png'), fullPage: true });
});

test('Corrections: see what was found, correct people and genders from the keyboard, run again; then change the prompt', { skip: SKIP, timeout: 300_000 }, async () => {
  const page = await openPage('en-US');
  await page.setInputFiles('#library', path.join(PHOTOS, 'deb_mpl_grace_hopper.jpg'));
  await page.click('#go');
  await page.waitForSelector('#result:not([hidden])', { timeout: 120_000 });
  await page.waitForSelector('#fix-card:not([hidden])');
  const firstHref = (await page.getAttribute('#download', 'href'))!;
  const firstId = firstHref.split('/')[4];
  const first = await (await page.request.get(`${service.url}/api/v1/jobs/${firstId}`)).json();
  // What was seen is shown and prefilled: the count, one row per person, the prompt.
  assert.equal(await page.inputValue('#fix-people'), String(first.analysis.peopleCount));
  assert.match((await page.textContent('#fix-people-seen'))!, new RegExp(`The system found ${first.analysis.peopleCount}`));
  assert.equal(await page.locator('#fix-genders select').count(), first.analysis.peopleCount);
  assert.equal(await page.inputValue('#fix-prompt'), first.prompt.positive);
  // Every control has a label (for= or wrapping).
  const unlabeled = await page.evaluate(() =>
    [...document.querySelectorAll('#fix input, #fix select, #fix textarea')].filter((el: any) => !el.labels || el.labels.length === 0).map((el: any) => el.id),
  );
  assert.deepEqual(unlabeled, []);
  await page.locator('#fix-card').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-5-corrections-seen.png'), fullPage: true });

  // Keyboard only: two people, woman then man.
  await page.focus('#fix-people');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  await page.waitForFunction(() => document.querySelectorAll('#fix-genders select').length === 2);
  await page.focus('#fix-g-0');
  await page.selectOption('#fix-g-0', 'f');
  await page.selectOption('#fix-g-1', 'm');
  await page.locator('#fix-card').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-6-corrections-edited.png'), fullPage: true });
  await page.focus('#fix-go');
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.querySelector('#download').getAttribute('href').split('/')[4] !== id && !document.querySelector('#result').hasAttribute('hidden'), firstId, { timeout: 120_000 });
  const secondId = (await page.getAttribute('#download', 'href'))!.split('/')[4];
  assert.notEqual(secondId, firstId);
  const second = await (await page.request.get(`${service.url}/api/v1/jobs/${secondId}`)).json();
  assert.equal(second.options.seed, first.options.seed, 'same seed: only the corrections differ');
  assert.equal(second.options.people, 2);
  assert.deepEqual(second.options.genders, ['f', 'm']);
  assert.equal(second.analysis.peopleCount, 2);
  assert.match(second.prompt.positive, /1girl/);
  assert.match(second.prompt.positive, /1boy/);
  assert.notEqual(second.prompt.positive, first.prompt.positive, 'the prompt was written again from the corrections');
  // The form now shows the corrected view.
  await page.waitForFunction(() => /You set 2\./.test(document.querySelector('#fix-people-seen').textContent));
  assert.equal(await page.inputValue('#fix-g-1'), 'm');

  // In Chinese, then a prompt of one's own.
  await page.click('#lang');
  assert.equal(await page.textContent('#fix-go'), '按我的修改重新生成');
  assert.match((await page.textContent('#fix-genders'))!, /第 1 位/);
  await page.fill('#fix-prompt', '1girl, 1boy, picnic under cherry blossoms');
  await page.locator('#fix-card').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-7-corrections-zh.png'), fullPage: true });
  await page.click('#fix-go');
  await page.waitForFunction((id) => document.querySelector('#download').getAttribute('href').split('/')[4] !== id && !document.querySelector('#result').hasAttribute('hidden'), secondId, { timeout: 120_000 });
  const thirdId = (await page.getAttribute('#download', 'href'))!.split('/')[4];
  const third = await (await page.request.get(`${service.url}/api/v1/jobs/${thirdId}`)).json();
  assert.equal(third.prompt.positive, '1girl, 1boy, picnic under cherry blossoms');
  assert.equal(third.options.people, 2);
  await page.waitForFunction(() => (document.querySelector('#after') as any).naturalWidth > 0);
  await page.screenshot({ path: path.join(SHOTS, 'anime-me-web-8-corrected-result-zh.png'), fullPage: true });
  // A bad count is caught on the page with a message, not sent.
  await page.fill('#fix-people', '-3');
  await page.click('#fix-go');
  await page.waitForSelector('#error:not([hidden])');
  assert.equal(await page.getAttribute('#error', 'data-code'), 'INVALID_ARGUMENT');
  assert.equal(await page.getAttribute('#fix-people', 'aria-invalid'), 'true');
  assert.deepEqual((page as Page & { problems?: string[] }).problems, []);
});
