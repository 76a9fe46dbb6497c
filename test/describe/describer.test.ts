import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyAnalysis, type PersonAnalysis, type SceneAnalysis } from '../../src/core/types.js';
import { describeScene, listStyleNames, selectPreset, STYLE_PRESETS } from '../../src/describe/index.js';
import { applyAnalysisOverrides } from '../../src/describe/overrides.js';

function person(gender?: ['female' | 'male', number], age?: [number, 'child' | 'teen' | 'adult' | 'elderly', number], size = 100): PersonAnalysis {
  return {
    box: { x: 0, y: 0, width: size, height: size },
    ...(gender ? { gender: { value: gender[0], confidence: gender[1] } } : {}),
    ...(age ? { age: { value: { years: age[0], bucket: age[1] }, confidence: age[2] } } : {}),
  };
}

function scene(people: PersonAnalysis[], sceneType: SceneAnalysis['sceneType']['value'], pets: string[] = []): SceneAnalysis {
  return {
    ...emptyAnalysis(512, 512),
    people,
    peopleCount: people.length,
    pets: pets.map((label) => ({ label, score: 0.9, box: { x: 0, y: 0, width: 10, height: 10 } })),
    sceneType: { value: sceneType, confidence: 0.9 },
  };
}

test('a confident single woman gets 1girl, solo and the female portrait preset', () => {
  const d = describeScene(scene([person(['female', 0.95], [30, 'adult', 0.9])], 'single-female'));
  assert.deepEqual(d.tags.slice(0, 2), ['1girl', 'solo']);
  assert.equal(d.preset.id, 'portrait-female');
  assert.equal(d.style, 'bright-cel');
  assert.match(d.text, /one woman/);
  assert.ok(d.prompt.positive.startsWith('1girl, solo'));
  assert.ok(d.prompt.negative.length > 0);
});

test('uncertain gender is not guessed: no 1girl/1boy and neutral wording', () => {
  const d = describeScene(scene([person(['male', 0.55], [30, 'adult', 0.9])], 'single-person'));
  assert.ok(!d.tags.includes('1boy') && !d.tags.includes('1girl'));
  assert.ok(d.tags.includes('solo'));
  assert.match(d.text, /one person/);
  assert.equal(d.preset.id, 'portrait-neutral');
});

test('no people: landscape preset with dreamy sky and "no humans"', () => {
  const d = describeScene(scene([], 'landscape'));
  assert.ok(d.tags.includes('no humans'));
  assert.equal(d.style, 'dreamy-sky');
  assert.match(d.text, /no people/);
});

test('pets and groups are described with counts', () => {
  assert.match(describeScene(scene([], 'pet', ['cat'])).text, /a cat/);
  const group = describeScene(scene([person(['female', 0.9]), person(['female', 0.9]), person(['male', 0.9])], 'group'));
  assert.deepEqual(group.tags.slice(0, 3), ['2girls', '1boy', 'multiple people']);
  assert.match(group.text, /three people/);
  assert.equal(group.preset.id, 'group');
});

test('grayscale photos get the monochrome preset unless a style is given', () => {
  const s = scene([person(['male', 0.9])], 'single-male');
  assert.equal(describeScene(s, { grayscale: true }).style, 'manga-ink');
  assert.equal(describeScene(s, { grayscale: true, style: 'bright-cel' }).style, 'bright-cel');
});

test('an embedded style override keeps the scene prompt; a preset id picks that preset', () => {
  const s = scene([person(['female', 0.95])], 'single-female');
  const d = describeScene(s, { style: 'manga-ink' });
  assert.equal(d.style, 'manga-ink');
  assert.equal(d.preset.id, 'portrait-female');
  assert.match(d.prompt.positive, /^1girl, solo, .*manga, monochrome/, 'the prompt describes the look actually chosen');
  assert.ok(!d.prompt.positive.includes('cel shading'));
  assert.equal(selectPreset(s, { style: 'landscape' }).id, 'landscape');
});

test('an unknown style is rejected with the one message shape', () => {
  assert.throws(
    () => describeScene(scene([], 'landscape'), { style: 'nope' }),
    (e: Error & { code?: string }) =>
      e.code === 'INVALID_ARGUMENT' && e.message.startsWith('Expected one of bright-cel') && e.message.endsWith('but received "nope" of type string'),
  );
});

test('every preset names a known engine style, and every scene type has a preset', () => {
  const names = listStyleNames();
  for (const p of STYLE_PRESETS) assert.ok(names.includes(p.embeddedStyle));
  const scenes = new Set(STYLE_PRESETS.flatMap((p) => p.scenes));
  for (const s of ['single-male', 'single-female', 'single-person', 'child', 'elderly', 'couple', 'group', 'pet', 'person-with-pet', 'landscape', 'object']) {
    assert.ok(scenes.has(s as never), `no preset for ${s}`);
  }
});

test('prompt overrides replace the generated prompt', () => {
  const d = describeScene(scene([], 'landscape'), { prompt: 'my prompt', negativePrompt: 'bad' });
  assert.deepEqual(d.prompt, { positive: 'my prompt', negative: 'bad' });
});

test('user corrections: --people 2 --gender f,m makes a couple with certain genders', () => {
  const corrected = applyAnalysisOverrides(scene([person(['male', 0.5], undefined, 200)], 'single-person'), { people: 2, genders: ['f', 'm'] });
  assert.equal(corrected.peopleCount, 2);
  assert.equal(corrected.sceneType.value, 'couple');
  assert.deepEqual(corrected.people.map((p) => p.gender?.value), ['female', 'male']);
  const d = describeScene(corrected);
  assert.deepEqual(d.tags.slice(0, 2), ['1girl', '1boy']);
});

test('user corrections: a single person corrected to female becomes single-female; "?" removes gender', () => {
  const one = scene([person(['male', 0.6], [40, 'adult', 0.9])], 'single-person');
  assert.equal(applyAnalysisOverrides(one, { genders: ['f'] }).sceneType.value, 'single-female');
  const unknown = applyAnalysisOverrides(scene([person(['male', 0.99])], 'single-male'), { genders: ['?'] });
  assert.equal(unknown.people[0].gender, undefined);
  assert.equal(unknown.sceneType.value, 'single-person');
  assert.equal(applyAnalysisOverrides(one, {}), one);
});
