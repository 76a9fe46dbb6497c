import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createAnalyser } from '../../src/analyse/index.js';
import { ageBucketOf, sceneTypeOf } from '../../src/analyse/analyser.js';
import { isAnimeMeError } from '../../src/errors.js';
import { createRgbImage, type RgbImage } from '../../src/core/raster.js';
import type { Box, Point, SceneAnalysis } from '../../src/core/types.js';
import { FIXTURES, loadPhoto, mirror } from './photos.js';

// One analyser (and one model load) for the whole file; each photo is analysed once.
const analyser = createAnalyser();
const cache = new Map<string, Promise<{ image: RgbImage; analysis: SceneAnalysis }>>();
function analysed(name: string): Promise<{ image: RgbImage; analysis: SceneAnalysis }> {
  let entry = cache.get(name);
  if (!entry) {
    entry = loadPhoto(path.join(FIXTURES, name)).then(async (image) => ({ image, analysis: await analyser.analyse(image) }));
    cache.set(name, entry);
  }
  return entry;
}

function inside(p: Point, box: Box, slack: number): boolean {
  return p.x >= box.x - slack && p.x <= box.x + box.width + slack && p.y >= box.y - slack && p.y <= box.y + box.height + slack;
}
const meanY = (pts: Point[]) => pts.reduce((s, p) => s + p.y, 0) / pts.length;
const meanX = (pts: Point[]) => pts.reduce((s, p) => s + p.x, 0) / pts.length;

test('a missing model folder fails with MODEL_MISSING naming the path', async () => {
  // Runs first: the loader is process-wide and only reads modelsDir before the first successful load.
  const broken = createAnalyser({ modelsDir: '/nonexistent/human-models' });
  await assert.rejects(broken.analyse(createRgbImage(32, 32)), (error: unknown) => {
    assert.ok(isAnimeMeError(error));
    assert.equal(error.code, 'MODEL_MISSING');
    assert.match(error.message, /\/nonexistent\/human-models\/blazeface\.json/);
    return true;
  });
});

test('invalid options and images are rejected with the one parameter message shape', async () => {
  assert.throws(() => createAnalyser({ maxSide: 10 }), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected integer between 128 and 4096 for maxSide but received 10 of type number',
  });
  assert.throws(() => createAnalyser({ objects: 'sometimes' as never }), {
    message: 'Expected one of auto, always, never for objects but received "sometimes" of type string',
  });
  assert.throws(() => createAnalyser({ uncertainGenderAges: ['old'] as never }), {
    message: 'Expected array of child, teen, adult, elderly for uncertainGenderAges but received old of type array',
  });
  assert.throws(() => createAnalyser({ findSmallFaces: 'yes' as never }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(analyser.analyse({ width: 2, height: 2, data: new Uint8Array(3) }), { code: 'INVALID_ARGUMENT' });
});

test('astronaut: one adult woman with landmarks inside the face box', async () => {
  const { image, analysis } = await analysed('deb_skimage_astronaut.png');
  assert.equal(analysis.width, image.width);
  assert.equal(analysis.peopleCount, 1);
  assert.equal(analysis.people.length, 1);
  const person = analysis.people[0];
  assert.equal(person.gender?.value, 'female');
  assert.equal(person.age?.value.bucket, 'adult');
  assert.ok(['single-female', 'single-person'].includes(analysis.sceneType.value), analysis.sceneType.value);
  const face = person.face;
  assert.ok(face && face.landmarks);
  const l = face.landmarks;
  const slack = face.box.width * 0.05;
  for (const [name, pts] of Object.entries({ faceOval: l.faceOval, leftEye: l.leftEye, rightEye: l.rightEye, lips: l.lips, nose: l.nose })) {
    assert.ok(pts.length >= 3 || name === 'nose', `${name} has points`);
    for (const p of pts) assert.ok(inside(p, face.box, slack), `${name} point ${p.x},${p.y} inside face box`);
  }
  // Eyes above nose tip above lips; brows above eyes; image-left eye is leftEye.
  assert.ok(meanY(l.leftEye) < meanY(l.lips) && meanY(l.rightEye) < meanY(l.lips));
  assert.ok(meanY(l.leftEyebrow) < meanY(l.leftEye));
  assert.ok(l.nose[l.nose.length - 1].y < meanY(l.lips));
  assert.ok(meanX(l.leftEye) < meanX(l.rightEye));
  assert.ok(l.leftIris && l.rightIris && inside(l.leftIris, face.box, 0));
  assert.ok((l.irisRadius ?? 0) > 1 && (l.irisRadius ?? 0) < face.box.width / 8);
  assert.equal(l.mesh?.length, 478);
  // Skin: a light skin tone, measured in colour.
  assert.ok(person.skinTone && person.skinTone.ita > 28, `ITA ${person.skinTone?.ita}`);
  assert.equal(person.skinTone.monochrome, undefined);
  assert.equal(person.expression?.value, 'happy');
  assert.ok(person.framing && person.framing.value !== 'full-body');
  // Mask: the face centre is in, the top-left corner (flag) is out.
  const mask = analysis.personMask;
  assert.ok(mask && mask.width === image.width && mask.height === image.height);
  const cx = Math.round(face.box.x + face.box.width / 2);
  const cy = Math.round(face.box.y + face.box.height / 2);
  assert.ok(mask.data[cy * mask.width + cx] > 127);
  assert.equal(mask.data[5 * mask.width + 5], 0);
  assert.ok(analysis.models.includes('human/faceres'));
  assert.ok(analysis.timings.total > 0 && analysis.timings.detect > 0);
});

test('coordinates come back in input pixels when the analyser downscales', async () => {
  const { analysis: small } = await analysed('deb_skimage_astronaut.png');
  const big = await loadPhoto(path.join(FIXTURES, 'deb_skimage_astronaut.png'), { width: 1280 });
  const analysis = await analyser.analyse(big);
  assert.equal(analysis.width, 1280);
  const a = small.people[0].face!.box;
  const b = analysis.people[0].face!.box;
  const k = 1280 / 512;
  for (const key of ['x', 'y', 'width', 'height'] as const) {
    assert.ok(Math.abs(b[key] - a[key] * k) < a.width * k * 0.08, `${key}: ${b[key]} vs ${a[key] * k}`);
  }
  assert.equal(analysis.personMask?.width, 1280);
});

test('grace_hopper: one elderly woman whom both gender models read as male: gender not named', async () => {
  const { analysis } = await analysed('deb_mpl_grace_hopper.jpg');
  assert.equal(analysis.peopleCount, 1);
  const bucket = analysis.people[0].age?.value.bucket;
  // faceres and the grayscale CNN both read her as male (0.93, 0.97): only the elderly band cap keeps the
  // describer from calling her a man.
  assert.equal(bucket, 'elderly');
  assert.ok((analysis.people[0].gender?.confidence ?? 0) < 0.7);
  assert.equal(analysis.sceneType.value, 'elderly');
  // With no uncertain age bands the models' (wrong) agreement is reported as it is.
  const unguarded = await createAnalyser({ uncertainGenderAges: [] }).analyse(await loadPhoto(path.join(FIXTURES, 'deb_mpl_grace_hopper.jpg')));
  assert.equal(unguarded.people[0].gender?.value, 'male');
  assert.ok((unguarded.people[0].gender?.confidence ?? 0) > 0.9);
});

test('chelsea: no people, a pet found, scene pet', async () => {
  const { analysis } = await analysed('deb_skimage_chelsea.png');
  assert.equal(analysis.peopleCount, 0);
  // centernet reads this close-up tabby as "dog": assert a cat-or-dog pet, not the species.
  assert.ok(analysis.pets.length >= 1);
  assert.ok(['cat', 'dog'].includes(analysis.pets[0].label));
  assert.equal(analysis.sceneType.value, 'pet');
  assert.equal(analysis.personMask, undefined);
});

test('coffee: no people, landscape or object scene', async () => {
  const { analysis } = await analysed('deb_skimage_coffee.png');
  assert.equal(analysis.peopleCount, 0);
  assert.equal(analysis.pets.length, 0);
  assert.ok(['landscape', 'object'].includes(analysis.sceneType.value), analysis.sceneType.value);
});

test('ascent: tiny grayscale climbers analyse without error', async () => {
  const { image, analysis } = await analysed('deb_scipy_ascent.png');
  assert.equal(analysis.width, image.width);
  assert.ok(analysis.peopleCount <= 3);
  for (const p of analysis.people) assert.ok(p.box.width > 0 && p.box.x >= 0 && p.box.x + p.box.width <= image.width + 1);
});

test('camera: grayscale skin is flagged monochrome; a mirrored photo flips yaw and keeps eye sides', async () => {
  const { image, analysis } = await analysed('deb_skimage_camera.png');
  assert.equal(analysis.peopleCount, 1);
  const person = analysis.people[0];
  assert.equal(person.skinTone?.monochrome, true);
  const flipped = await analyser.analyse(mirror(image));
  const other = flipped.people[0];
  const yawA = person.face!.rotation!.yaw;
  const yawB = other.face!.rotation!.yaw;
  assert.ok(Math.abs(yawA) > 0.3, `camera man is turned: yaw ${yawA}`);
  assert.ok(Math.sign(yawA) === -Math.sign(yawB), `yaw ${yawA} vs mirrored ${yawB}`);
  assert.notEqual(person.orientation?.value, other.orientation?.value);
  const l = other.face!.landmarks!;
  assert.ok(meanX(l.leftEye) < meanX(l.rightEye));
});

test('a blank image gives an empty, honest analysis', async () => {
  const analysis = await analyser.analyse(createRgbImage(320, 240, [120, 160, 200]));
  assert.equal(analysis.peopleCount, 0);
  assert.equal(analysis.pets.length, 0);
  assert.equal(analysis.sceneType.value, 'landscape');
});

test('scene rules: uncertain gender falls back to single-person; age buckets', () => {
  const size = { width: 100, height: 100 };
  const face = { box: { x: 0, y: 0, width: 10, height: 10 }, score: 0.9 };
  const base = { box: face.box, face };
  const sure = sceneTypeOf([{ ...base, gender: { value: 'male', confidence: 0.9 } }], [], [], size, { minGenderConfidence: 0.7 });
  assert.equal(sure.value, 'single-male');
  const unsure = sceneTypeOf([{ ...base, gender: { value: 'female', confidence: 0.6 } }], [], [], size, { minGenderConfidence: 0.7 });
  assert.equal(unsure.value, 'single-person');
  const child = sceneTypeOf([{ ...base, age: { value: { years: 6, bucket: 'child' }, confidence: 0.8 } }], [], [], size, { minGenderConfidence: 0.7 });
  assert.equal(child.value, 'child');
  const pet = { label: 'dog', score: 0.6, box: face.box };
  assert.equal(sceneTypeOf([base], [pet], [], size, { minGenderConfidence: 0.7 }).value, 'person-with-pet');
  assert.equal(sceneTypeOf([base, base], [], [], size, { minGenderConfidence: 0.7 }).value, 'couple');
  assert.equal(sceneTypeOf([base, base, base], [], [], size, { minGenderConfidence: 0.7 }).value, 'group');
  assert.deepEqual([12.9, 13, 19.9, 20, 64.9, 65].map(ageBucketOf), ['child', 'teen', 'teen', 'adult', 'adult', 'elderly']);
});
