import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { createAnalyser } from '../../src/analyse/index.js';
import type { RgbImage } from '../../src/core/raster.js';
import { EMBEDDED_STYLES, type SceneAnalysis } from '../../src/core/types.js';
import { FACE_MATCH_IOU, faceRecall } from '../../src/eval/index.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';

// One analyser (one model load) for the file; each photo is analysed once.
const analyser = createAnalyser();
const stylizer = createEmbeddedStylizer({ yieldBetweenSteps: false });
after(() => analyser.dispose());

/** A fixture at the pipeline's working size (512 px long side), decoded from a buffer. */
async function working(name: string): Promise<RgbImage> {
  const { data, info } = await sharp(readFileSync(`test/fixtures/photos/${name}`))
    .resize({ width: 512, height: 512, fit: 'inside' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const faceBoxes = (a: SceneAnalysis) => a.people.flatMap((p) => (p.face ? [p.face.box] : []));

for (const name of ['deb_skimage_astronaut.png', 'deb_mpl_grace_hopper.jpg']) {
  test(`${name}: the face the analyser finds in the photo is found again in every style`, async () => {
    const image = await working(name);
    const analysis = await analyser.analyse(image);
    const input = faceBoxes(analysis);
    assert.equal(input.length, 1, 'fixture has one detectable face');
    for (const style of EMBEDDED_STYLES) {
      const out = await stylizer.stylize({ image, analysis, style, seed: 7 });
      const found = faceBoxes(await analyser.analyse(out));
      const recall = faceRecall(input, found, FACE_MATCH_IOU);
      assert.equal(recall.found, 1, `${style}: face lost (output faces: ${JSON.stringify(found)})`);
    }
  });
}
