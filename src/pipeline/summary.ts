/**
 * A JSON-friendly view of a SceneAnalysis: masks and dense meshes are dropped, numbers rounded, so a
 * user (or the web page) can read and correct what the system assumed.
 */
import type { SceneAnalysis } from '../core/types.js';

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** `reused`: the analysis came from the memo of a photo sent again, not from running the models. */
export function summariseAnalysis(analysis: SceneAnalysis, provenance: { reused?: boolean } = {}) {
  return {
    ...(provenance.reused ? { reused: true as boolean } : {}),
    width: analysis.width,
    height: analysis.height,
    peopleCount: analysis.peopleCount,
    sceneType: { value: analysis.sceneType.value, confidence: round(analysis.sceneType.confidence) },
    people: analysis.people.map((p) => ({
      box: roundBox(p.box),
      ...(p.face ? { face: { box: roundBox(p.face.box), score: round(p.face.score) } } : {}),
      ...(p.gender ? { gender: { value: p.gender.value, confidence: round(p.gender.confidence) } } : {}),
      ...(p.age ? { age: { years: round(p.age.value.years, 1), bucket: p.age.value.bucket, confidence: round(p.age.confidence) } } : {}),
      ...(p.expression ? { expression: { value: p.expression.value, confidence: round(p.expression.confidence) } } : {}),
      ...(p.framing ? { framing: { value: p.framing.value, confidence: round(p.framing.confidence) } } : {}),
      ...(p.orientation ? { orientation: { value: p.orientation.value, confidence: round(p.orientation.confidence) } } : {}),
      ...(p.glasses ? { glasses: { value: p.glasses.value, confidence: round(p.glasses.confidence) } } : {}),
      ...(p.handsVisible ? { handsVisible: { value: p.handsVisible.value, confidence: round(p.handsVisible.confidence) } } : {}),
      ...(p.skinTone ? { skinTone: { ita: round(p.skinTone.ita, 1), rgb: p.skinTone.rgb.map((v) => Math.round(v)) } } : {}),
      ...(p.pose ? { pose: p.pose.filter((k) => k.score >= 0.3).map((k) => ({ part: k.part, x: Math.round(k.position.x), y: Math.round(k.position.y), score: round(k.score) })) } : {}),
    })),
    pets: analysis.pets.map((o) => ({ label: o.label, score: round(o.score), box: roundBox(o.box) })),
    objects: analysis.objects.map((o) => ({ label: o.label, score: round(o.score), box: roundBox(o.box) })),
    models: analysis.models,
    timings: analysis.timings,
  };
}

function roundBox(box: { x: number; y: number; width: number; height: number }) {
  return { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
}
