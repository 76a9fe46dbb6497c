import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePromptWeights } from '../../../src/diffusion/tokenizer/index.js';

const pairs = (prompt: string) => parsePromptWeights(prompt).map((s) => (s.isBreak ? ['BREAK', -1] : [s.text, s.weight]));

// Expected values follow A1111's parse_prompt_attention rules (its docstring examples).
describe('prompt emphasis parsing', () => {
  it('handles plain text, (x), [x] and (x:w)', () => {
    assert.deepEqual(pairs('normal text'), [['normal text', 1]]);
    assert.deepEqual(pairs('an (important) word'), [['an ', 1], ['important', 1.1], [' word', 1]]);
    assert.deepEqual(pairs('a [quiet] one'), [['a ', 1], ['quiet', 1 / 1.1], [' one', 1]]);
    assert.deepEqual(pairs('(word:1.2)'), [['word', 1.2]]);
    assert.deepEqual(pairs('( word : 0.5 )'), [[' word ', 0.5]]);
  });

  it('closes unbalanced brackets at the end and merges equal weights', () => {
    assert.deepEqual(pairs('(unbalanced'), [['unbalanced', 1.1]]);
    assert.deepEqual(pairs('[unbalanced'), [['unbalanced', 1 / 1.1]]);
    assert.deepEqual(pairs('(unnecessary)(parens)'), [['unnecessaryparens', 1.1]]);
  });

  it('treats escaped brackets and backslashes as literals', () => {
    assert.deepEqual(pairs('\\(literal\\]'), [['(literal]', 1]]);
    assert.deepEqual(pairs('a \\\\ b'), [['a \\ b', 1]]);
    assert.deepEqual(pairs('ratio 16:9'), [['ratio 16:9', 1]]);
  });

  it('multiplies nested emphasis', () => {
    assert.deepEqual(pairs('a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).'), [
      ['a ', 1],
      ['house', 1.3 * 1.1 * 1.1],
      [' ', 1.1],
      ['on', (1 / 1.1) * 1.1],
      [' a ', 1.1],
      ['hill', 0.5 * 1.1],
      [', sun, ', 1.1],
      ['sky', 1.1 * 1.1 * 1.1 * 1.1],
      ['.', 1.1],
    ]);
  });

  it('marks BREAK as a window boundary', () => {
    assert.deepEqual(pairs('one BREAK two'), [['one', 1], ['BREAK', -1], ['two', 1]]);
    assert.deepEqual(pairs('BREAKFAST'), [['BREAKFAST', 1]]);
    assert.deepEqual(pairs(''), [['', 1]]);
  });
});
