// Without the vendored models (selfie, gender CNN, faceres-deep, multipose) the analyser still works on what human
// ships: a person mask built from face and pose, age and gender from faceres alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createAnalyser } from '../../src/analyse/index.js';
import { FIXTURES, loadPhoto } from './photos.js';

test('approximate person mask when the segmentation model is absent', async () => {
  const analyser = createAnalyser({ vendoredModelsDir: path.join(FIXTURES, 'no-such-models') });
  const image = await loadPhoto(path.join(FIXTURES, 'deb_skimage_astronaut.png'));
  const analysis = await analyser.analyse(image);
  assert.equal(analysis.personMaskSource, 'approximate');
  assert.ok(!analysis.models.includes('human/selfie'));
  assert.ok(!analysis.models.some((m) => m.includes('faceres-deep') || m.includes('multipose') || m.includes('face_classification')));
  const person = analysis.people[0];
  assert.equal(person.age?.value.bucket, 'adult');
  assert.deepEqual(Object.keys((person.gender as { votes?: object }).votes ?? {}), ['faceres']);
  assert.equal((person.face as { embedding?: number[] }).embedding?.length, 1024);
  const mask = analysis.personMask;
  assert.ok(mask);
  const face = analysis.people[0].face!.box;
  const at = (x: number, y: number) => mask.data[Math.round(y) * mask.width + Math.round(x)];
  assert.equal(at(face.x + face.width / 2, face.y + face.height / 2), 255, 'face centre');
  assert.equal(at(face.x + face.width / 2, Math.min(image.height - 1, face.y + face.height * 2)), 255, 'chest below the face');
  assert.equal(at(3, 3), 0, 'top-left corner');
  const share = mask.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) / mask.data.length;
  assert.ok(share > 0.1 && share < 0.8, `mask covers ${share}`);
  await analyser.dispose();
  await assert.rejects(analyser.analyse(image), { code: 'INVALID_ARGUMENT' });
});
