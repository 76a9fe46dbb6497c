import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageGroupOf, parseManifest, skinGroupOf } from '../../src/eval/manifest.js';
import { checkTargets, formatMarkdown, summariseGroups, summariseVariant, type PhotoRecord, type VariantRecord } from '../../src/eval/summary.js';

test('skin-tone groups follow the issue: light+light-medium vs medium+medium-dark+dark', () => {
  assert.equal(skinGroupOf('light'), 'light');
  assert.equal(skinGroupOf('light-medium (East Asian)'), 'light');
  assert.equal(skinGroupOf('medium (South Asian)'), 'medium-dark');
  assert.equal(skinGroupOf('medium-dark (South Asian)'), 'medium-dark');
  assert.equal(skinGroupOf('dark x2, medium-dark x2'), 'medium-dark');
  assert.equal(skinGroupOf('dark'), 'medium-dark');
  assert.equal(skinGroupOf('mixed: dark x1, medium-dark x1 (partly cropped), light x3'), 'mixed');
  assert.equal(skinGroupOf('light/medium (caps shade faces)'), 'mixed');
  assert.equal(skinGroupOf('light (B&W photo)'), 'light');
  assert.equal(skinGroupOf('n/a (grayscale, small)'), 'unknown');
  assert.equal(skinGroupOf('-'), 'unknown');
});

test('age groups: one shared bucket, mixed, or none', () => {
  assert.equal(ageGroupOf('F/adult'), 'adult');
  assert.equal(ageGroupOf('?/child (toddler)'), 'child');
  assert.equal(ageGroupOf('M/adult; M/elderly'), 'mixed');
  assert.equal(ageGroupOf('F/teen (FairFace age 10-19)'), 'teen');
  assert.equal(ageGroupOf('-'), 'none');
});

test('manifest parsing reads columns by header name', () => {
  const rows = parseManifest('path\tpeople_count\tskin_tone_visible\tscene\nimages/a.jpg\t2\tlight\tgroup\nimages/b.png\t0\t-\tlandscape\n');
  assert.equal(rows.length, 2);
  assert.equal(rows[0].path, 'images/a.jpg');
  assert.equal(rows[0].peopleCount, 2);
  assert.equal(rows[1].scene, 'landscape');
  assert.throws(() => parseManifest('file\tx\n'));
});

function variant(name: string, over: Partial<VariantRecord> = {}): VariantRecord {
  return {
    variant: name,
    ms: { total: 100 },
    faces: { input: 1, found: 1, extra: 0 },
    oks: [1],
    likeness: [0.9],
    likenessHuman: [0.8],
    skin: [{ itaIn: 20, itaOut: 22, itaShift: 2, deltaE: 3 }],
    flatness: 0.5,
    linePresence: 0.4,
    ...over,
  };
}

function photo(path: string, skinGroup: PhotoRecord['skinGroup'], variants: VariantRecord[]): PhotoRecord {
  return { path, skinGroup, ageGroup: 'adult', scene: 'portrait', peopleCount: 1, inputFaces: 1, inputFlatness: 0.1, inputLinePresence: 0, variants };
}

test('summaries pool faces and people, and split by group', () => {
  const photos = [
    photo('a', 'light', [variant('ours', { faces: { input: 3, found: 2, extra: 1 }, oks: [1, 0.5, 0] }), variant('peer')]),
    photo('b', 'medium-dark', [variant('ours', { skin: [{ itaIn: -40, itaOut: -30, itaShift: 10, deltaE: 12 }] }), variant('peer', { ms: { total: 50 } })]),
  ];
  const s = summariseVariant(photos, 'ours');
  assert.equal(s.faceRecall, 3 / 4);
  assert.equal(s.extraFaces, 1);
  assert.equal(s.people, 4);
  assert.equal(s.oks, 2.5 / 4);
  assert.equal(s.itaShift, 6);
  assert.equal(s.deltaE, 7.5);
  const groups = summariseGroups(photos, ['ours', 'peer']);
  const dark = groups.find((g) => g.group === 'skin:medium-dark');
  assert.ok(dark);
  assert.equal(dark.variants[0].itaShift, 10);
  const checks = checkTargets(groups);
  const ita = checks.find((c) => c.variant === 'ours' && c.group === 'skin:medium-dark' && c.target.includes('ITA'));
  assert.equal(ita?.pass, false);
  assert.equal(checks.find((c) => c.variant === 'peer' && c.target.includes('recall'))?.pass, true);
  const md = formatMarkdown(groups, { reference: 'peer' });
  assert.match(md, /face recall/);
  assert.match(md, /\| 75 % \(3\/4\)/);
  assert.match(md, /1\.33×/); // ours 100 ms vs the peer's mean (100 + 50) / 2
  assert.match(md, /### By skin-tone group/);
});

test('failed variants are left out of the summary', () => {
  const photos = [photo('a', 'light', [variant('ours', { error: 'boom', faces: { input: 5, found: 0, extra: 0 } })])];
  assert.equal(summariseVariant(photos, 'ours').photos, 0);
  assert.equal(summariseVariant(photos, 'ours').faceRecall, undefined);
});

test('colourless faces count for ΔE but not for ITA', () => {
  const photos = [
    photo('a', 'light', [
      variant('ours', {
        skin: [
          { itaIn: 40, itaOut: 42, itaShift: 2, deltaE: 2 },
          { itaIn: 40, itaOut: 89, itaShift: 49, deltaE: 30, monochrome: 'output' },
        ],
      }),
    ]),
  ];
  const s = summariseVariant(photos, 'ours');
  assert.equal(s.itaShift, 2);
  assert.equal(s.deltaE, 16);
  assert.equal(s.skinFaces, 2);
});
