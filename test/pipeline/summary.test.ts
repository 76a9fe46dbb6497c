import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SceneAnalysis } from '../../src/core/types.js';
import { summariseAnalysis } from '../../src/pipeline/summary.js';

const analysis: SceneAnalysis = {
  width: 640,
  height: 480,
  peopleCount: 1,
  hasPeople: true,
  sceneType: { value: 'single-female', confidence: 0.812 },
  people: [
    {
      box: { x: 10.4, y: 20.6, width: 300.2, height: 400.7 },
      face: { box: { x: 100, y: 60, width: 120, height: 120 }, score: 0.934, embedding: Array.from({ length: 1024 }, (_, i) => Math.sin(i)) },
      gender: { value: 'female', confidence: 0.9123 },
    },
  ],
  pets: [],
  objects: [],
} as unknown as SceneAnalysis;

test('the analysis summary rounds what a user reads and never carries the face embedding (biometric data)', () => {
  const summary = summariseAnalysis(analysis);
  assert.deepEqual(summary.people[0]!.face, { box: { x: 100, y: 60, width: 120, height: 120 }, score: 0.93 });
  assert.deepEqual(summary.people[0]!.box, { x: 10, y: 21, width: 300, height: 401 });
  assert.deepEqual(summary.people[0]!.gender, { value: 'female', confidence: 0.91 });
  const text = JSON.stringify(summary);
  assert.doesNotMatch(text, /embedding/);
  assert.ok(text.length < 1000, `summary is ${text.length} characters`);
});
