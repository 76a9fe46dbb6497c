import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMBEDDED_STYLES } from '../../src/core/types.js';
import { AnimeMeError } from '../../src/errors.js';
import { PARAM_RANGES, STYLE_DEFAULTS, resolveStyleParams } from '../../src/stylize/styles.js';

test('every style has every parameter, inside its documented range', () => {
  for (const style of EMBEDDED_STYLES) {
    const params = STYLE_DEFAULTS[style];
    for (const [key, [min, max]] of Object.entries(PARAM_RANGES)) {
      const v = params[key as keyof typeof params];
      assert.ok(typeof v === 'number' && v >= min && v <= max, `${style}.${key} = ${v}`);
    }
    assert.equal(Object.keys(params).length, Object.keys(PARAM_RANGES).length, style);
  }
});

test('the styles are distinct looks', () => {
  assert.equal(STYLE_DEFAULTS['manga-ink'].monochrome, 1);
  assert.ok(STYLE_DEFAULTS['soft-watercolor'].paper > 0 && STYLE_DEFAULTS['soft-watercolor'].lineOpacity < STYLE_DEFAULTS['bright-cel'].lineOpacity);
  assert.ok(STYLE_DEFAULTS['dreamy-sky'].bloom > 0 && STYLE_DEFAULTS['dreamy-sky'].sparkles > 0);
  assert.ok(STYLE_DEFAULTS['bright-cel'].backgroundSaturation > 1);
});

test('overrides apply, unknown names are ignored, bad values are rejected', () => {
  const p = resolveStyleParams('bright-cel', { clusters: 8, notAParam: 3 });
  assert.equal(p.clusters, 8);
  assert.equal(STYLE_DEFAULTS['bright-cel'].clusters, 20, 'defaults are not mutated');
  for (const bad of [Number.NaN, Infinity, -1, 1e6]) {
    assert.throws(() => resolveStyleParams('bright-cel', { clusters: bad }), (e: unknown) => e instanceof AnimeMeError && e.code === 'INVALID_ARGUMENT');
  }
});
