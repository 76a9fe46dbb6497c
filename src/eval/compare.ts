/**
 * One photo against one stylized version of it: every metric the evaluation reports, from the two
 * images (same size) and their analyses. Portable: the caller decodes, resizes and analyses.
 */
import type { RgbImage } from '../core/raster.js';
import type { Box, Keypoint, PersonAnalysis, SceneAnalysis } from '../core/types.js';
import { deltaE2000, itaShift } from './colour.js';
import { faceSkinColour } from './face-skin.js';
import { FACE_MATCH_IOU, faceRecall } from './faces.js';
import { boxArea, matchBoxes } from './geometry.js';
import { cosineSimilarity, faceEmbedding, humanSimilarity } from './likeness.js';
import { colourFlatness, linePresence } from './look.js';
import { objectKeypointSimilarity } from './pose.js';
import type { FaceSkinRecord, LookMeasures } from './summary.js';

export interface CompareOptions {
  /** IoU for "the same face" (default FACE_MATCH_IOU). */
  faceIou?: number;
  /** IoU for "the same person" when faces do not decide it (default 0.3). */
  personIou?: number;
  /** Keypoint score counted as visible (default 0.3). */
  minKeypointScore?: number;
  /**
   * Every body the pose model(s) found in the output, whether or not the analyser made a person of it
   * (it drops bodies whose face was not found and that no confident person box holds, and bodies under
   * its body-score floor). When given, each input pose is paired with the output pose, among these and
   * the output people's, that agrees with it best (one-to-one, highest OKS first: COCO's greedy rule),
   * so OKS measures where the keypoints are and not whether the analyser's face and person-box
   * heuristics fired. Without it, pairing goes by face, then person box (the old measurement).
   */
  outputBodies?: readonly (readonly Keypoint[])[];
}

export interface Comparison extends LookMeasures {
  /** Whether both analyses carried face descriptors for the matched faces. */
  descriptors: boolean;
}

/** People with a face, and the index of each in `analysis.people`. */
function facesOf(analysis: SceneAnalysis): { boxes: Box[]; owners: number[] } {
  const boxes: Box[] = [];
  const owners: number[] = [];
  analysis.people.forEach((p, i) => {
    if (p.face) {
      boxes.push(p.face.box);
      owners.push(i);
    }
  });
  return { boxes, owners };
}

function hasPose(person: PersonAnalysis, minScore: number): boolean {
  return objectKeypointSimilarity(person.pose ?? [], [], 1, { minScore }) !== undefined;
}

/**
 * OKS of each input person with a visible pose against the candidate poses, paired one-to-one by
 * highest OKS (ties: input order, then candidate order); an input pose left without a candidate
 * scores 0. Order of the result: input people order.
 */
export function poseAgreement(inputAnalysis: SceneAnalysis, candidates: readonly (readonly Keypoint[])[], minScore = 0.3): number[] {
  const refs = inputAnalysis.people.filter((p) => p.pose && hasPose(p, minScore));
  const pairs: { r: number; c: number; oks: number }[] = [];
  refs.forEach((p, r) => {
    candidates.forEach((cand, c) => {
      const result = objectKeypointSimilarity(p.pose ?? [], cand, boxArea(p.box), { minScore });
      if (result && result.oks > 0) pairs.push({ r, c, oks: result.oks });
    });
  });
  pairs.sort((a, b) => b.oks - a.oks || a.r - b.r || a.c - b.c);
  const scores = refs.map(() => 0);
  const usedR = new Set<number>();
  const usedC = new Set<number>();
  for (const pair of pairs) {
    if (usedR.has(pair.r) || usedC.has(pair.c)) continue;
    usedR.add(pair.r);
    usedC.add(pair.c);
    scores[pair.r] = pair.oks;
  }
  return scores;
}

export function compareImages(input: RgbImage, inputAnalysis: SceneAnalysis, output: RgbImage, outputAnalysis: SceneAnalysis, options: CompareOptions = {}): Comparison {
  if (input.width !== output.width || input.height !== output.height) {
    throw new Error(`compare at one size: input ${input.width}x${input.height}, output ${output.width}x${output.height}`);
  }
  const minScore = options.minKeypointScore ?? 0.3;
  const inFaces = facesOf(inputAnalysis);
  const outFaces = facesOf(outputAnalysis);
  const recall = faceRecall(inFaces.boxes, outFaces.boxes, options.faceIou ?? FACE_MATCH_IOU);

  // Likeness: descriptors of each matched face pair.
  const likeness: number[] = [];
  const likenessHuman: number[] = [];
  let descriptors = recall.matches.length > 0;
  const personPairs = new Map<number, number>();
  for (const m of recall.matches) {
    const a = inputAnalysis.people[inFaces.owners[m.reference]];
    const b = outputAnalysis.people[outFaces.owners[m.candidate]];
    personPairs.set(inFaces.owners[m.reference], outFaces.owners[m.candidate]);
    const ea = faceEmbedding(a.face);
    const eb = faceEmbedding(b.face);
    const cos = ea && eb ? cosineSimilarity(ea, eb) : undefined;
    const hum = ea && eb ? humanSimilarity(ea, eb) : undefined;
    if (cos === undefined || hum === undefined) {
      descriptors = false;
      continue;
    }
    likeness.push(cos);
    likenessHuman.push(hum);
  }

  // Pose: pair people by their matched faces first, then by body box overlap.
  const freeIn = inputAnalysis.people.map((_, i) => i).filter((i) => !personPairs.has(i));
  const usedOut = new Set(personPairs.values());
  const freeOut = outputAnalysis.people.map((_, i) => i).filter((i) => !usedOut.has(i));
  for (const m of matchBoxes(freeIn.map((i) => inputAnalysis.people[i].box), freeOut.map((i) => outputAnalysis.people[i].box), options.personIou ?? 0.3)) {
    personPairs.set(freeIn[m.reference], freeOut[m.candidate]);
  }
  const oks: number[] = [];
  if (options.outputBodies) {
    oks.push(...poseAgreement(inputAnalysis, [...outputAnalysis.people.flatMap((p) => (p.pose ? [p.pose] : [])), ...options.outputBodies], minScore));
  } else {
    inputAnalysis.people.forEach((person, i) => {
      if (!person.pose || !hasPose(person, minScore)) return;
      const j = personPairs.get(i);
      const other = j === undefined ? undefined : outputAnalysis.people[j];
      const result = objectKeypointSimilarity(person.pose, other?.pose ?? [], boxArea(person.box), { minScore });
      if (result) oks.push(result.oks);
    });
  }

  // Skin: the input's face region measured in both images, so only the colour can differ.
  const skin: FaceSkinRecord[] = [];
  for (const person of inputAnalysis.people) {
    if (!person.face) continue;
    const before = faceSkinColour(input, person.face);
    const after = faceSkinColour(output, person.face);
    if (!before || !after) continue;
    skin.push({
      itaIn: before.ita,
      itaOut: after.ita,
      itaShift: itaShift(before.lab, after.lab),
      deltaE: deltaE2000(before.lab, after.lab),
      ...(before.monochrome ? { monochrome: 'input' as const } : after.monochrome ? { monochrome: 'output' as const } : {}),
    });
  }

  return {
    faces: { input: recall.input, found: recall.found, extra: recall.extra },
    oks,
    likeness,
    likenessHuman,
    skin,
    flatness: colourFlatness(output),
    linePresence: linePresence(input, output)?.share,
    descriptors,
  };
}
