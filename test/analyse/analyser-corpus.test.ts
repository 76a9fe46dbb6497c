// Robust properties on a few photos of the shared corpus (../shared/corpus, present in CI, never copied here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createAnalyser } from '../../src/analyse/index.js';
import { CORPUS, corpusPresent, loadPhoto } from './photos.js';

const skip = corpusPresent ? false : `shared corpus not found at ${CORPUS}`;
const analyser = createAnalyser();
// At the pipeline's working size (long side 512), as `npm run eval:analysis` does by default.
const analyse = async (name: string) => analyser.analyse(await loadPhoto(path.join(CORPUS, name), { longSide: 512 }));

test('dark-skinned portrait: one person, full landmarks, a dark skin tone measured in colour', { skip }, async () => {
  const analysis = await analyse('gh_singnet_woman_portrait.jpg');
  assert.equal(analysis.peopleCount, 1);
  const person = analysis.people[0];
  assert.ok(person.face?.landmarks?.faceOval.length);
  assert.ok(person.skinTone, 'skin tone measured');
  assert.equal(person.skinTone.monochrome, undefined);
  // Light skin sits above ~40°; this face must come out well below (it measures about 0°).
  assert.ok(person.skinTone.ita < 20, `ITA ${person.skinTone.ita}`);
  assert.ok(person.age && person.age.value.bucket === 'adult');
});

test('FairFace dark-skinned face crop: one person with a face and skin tone', { skip }, async () => {
  const analysis = await analyse('gh_fairface_0057.jpg');
  assert.equal(analysis.peopleCount, 1);
  assert.ok(analysis.people[0].face?.landmarks);
  assert.ok((analysis.people[0].skinTone?.ita ?? 99) < 20);
});

test('office group: four to six people, a group scene, age/gender capped to the largest faces', { skip }, async () => {
  const analysis = await analyse('gh_maxemo_group.jpg');
  assert.ok(analysis.peopleCount >= 4 && analysis.peopleCount <= 6, `count ${analysis.peopleCount}`);
  assert.equal(analysis.sceneType.value, 'group');
  const withFaces = analysis.people.filter((p) => p.face);
  assert.ok(withFaces.length >= 4);
  assert.ok(withFaces.every((p) => p.face?.landmarks));
  assert.ok(analysis.people.filter((p) => p.gender).length <= 3);
  assert.ok(analysis.personMask);
  // Per-person masks partition the union: no pixel belongs to two people.
  const masks = analysis.people.map((p) => p.mask).filter((m) => m !== undefined);
  assert.equal(masks.length, analysis.people.length);
  for (let i = 0; i < analysis.personMask.data.length; i += 97) {
    assert.ok(masks.filter((m) => m.data[i] > 0).length <= 1);
  }
});

test('dog photos: a dog pet, no people (a dog face the face detector likes is not a person)', { skip }, async () => {
  for (const name of ['gh_tracel_labrador.jpg', 'deb_lomiri_friends_dogs.jpg']) {
    const analysis = await analyse(name);
    assert.equal(analysis.peopleCount, 0, name);
    assert.ok(analysis.pets.some((p) => p.label === 'dog'), name);
    assert.equal(analysis.sceneType.value, 'pet', name);
  }
});

test('landscape without people stays a landscape', { skip }, async () => {
  const analysis = await analyse('deb_plasma_path.jpg');
  assert.equal(analysis.peopleCount, 0);
  assert.equal(analysis.sceneType.value, 'landscape');
});

test('baseball team (10 players, caps, small faces): small-face tiles find more faces; a group scene', { skip }, async () => {
  const analysis = await analyse('gh_maxcap_baseball_team.jpg');
  // Faces alone found 1–2 of ~10 before tiling; the count stays short of 10 (faces hidden by caps and arms).
  assert.ok(analysis.people.filter((p) => p.face).length >= 3, `faces ${analysis.people.filter((p) => p.face).length}`);
  assert.ok(analysis.peopleCount >= 3 && analysis.peopleCount <= 10, `count ${analysis.peopleCount}`);
  assert.equal(analysis.sceneType.value, 'group');
  assert.ok(analysis.timings.tiles !== undefined);
});

test('a laughing baby: one child, child scene', { skip }, async () => {
  const analysis = await analyse('gh_maxemo_happy_baby.jpg');
  assert.equal(analysis.peopleCount, 1);
  assert.equal(analysis.people[0].age?.value.bucket, 'child');
  assert.equal(analysis.sceneType.value, 'child');
});

test('dark-skinned toddler girl faceres reads "male 0.91": the two gender models disagree, so no gender is named', { skip }, async () => {
  const analysis = await analyse('gh_fairface_0448.jpg');
  assert.equal(analysis.peopleCount, 1);
  const gender = analysis.people[0].gender;
  assert.ok(gender && gender.confidence < 0.7, JSON.stringify(gender));
  assert.ok(!['single-male', 'single-female'].includes(analysis.sceneType.value));
  assert.ok(analysis.models.includes('face_classification/gender'));
});

test('elderly dark-skinned woman all models read as male: elderly scene, gender not named', { skip }, async () => {
  const analysis = await analyse('gh_fairface_0514.jpg');
  assert.equal(analysis.peopleCount, 1);
  assert.equal(analysis.sceneType.value, 'elderly');
  assert.ok((analysis.people[0].gender?.confidence ?? 0) < 0.7);
});

test('a man with a monkey on his head: one person (the monkey is "cat" 0.32 inside "person" 0.24)', { skip }, async () => {
  const analysis = await analyse('gh_maxres_monkey_and_man.png');
  assert.equal(analysis.peopleCount, 1);
});
