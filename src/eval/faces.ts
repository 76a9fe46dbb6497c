/** Face recall: are the photo's faces still faces (to the same detector) after stylizing? */
import type { Box } from '../core/types.js';
import { matchBoxes, type BoxMatch } from './geometry.js';

/**
 * IoU needed to call an output face "the same face". Below PASCAL's 0.5 because both boxes come from
 * the same detector but on different pixels: outlines and bigger eyes move a stylized face's box a little.
 */
export const FACE_MATCH_IOU = 0.4;

export interface FaceRecall {
  /** Faces found in the input. */
  input: number;
  /** Of those, faces found again at the same place in the output. */
  found: number;
  /** Output faces matching no input face (faces the stylizer invented, or split). */
  extra: number;
  /** found / input; undefined when the input has no face. */
  recall: number | undefined;
  matches: BoxMatch[];
}

export function faceRecall(inputFaces: readonly Box[], outputFaces: readonly Box[], minIou = FACE_MATCH_IOU): FaceRecall {
  const matches = matchBoxes(inputFaces, outputFaces, minIou);
  return {
    input: inputFaces.length,
    found: matches.length,
    extra: outputFaces.length - matches.length,
    recall: inputFaces.length > 0 ? matches.length / inputFaces.length : undefined,
    matches,
  };
}
