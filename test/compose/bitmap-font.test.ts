import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BITMAP_FONT_SOURCE,
  createBitmapTextRenderer,
  hasBitmapGlyph,
  measureBitmapText,
  renderBitmapText,
} from '../../src/compose/bitmap-font.js';
import type { Mask } from '../../src/core/raster.js';

const ink = (mask: Mask): number => mask.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);

test('every printable ASCII character has a well-formed 5×8 glyph', () => {
  for (let code = 0x20; code <= 0x7e; code++) {
    const ch = String.fromCharCode(code);
    assert.ok(hasBitmapGlyph(ch), `missing ${JSON.stringify(ch)}`);
    const rows = BITMAP_FONT_SOURCE.get(ch)!.split(' ');
    assert.equal(rows.length, 8, ch);
    for (const row of rows) assert.match(row, /^[#.]{5}$/, ch);
    // Everything but the space has ink.
    if (ch !== ' ') assert.ok(rows.some((row) => row.includes('#')), ch);
  }
});

test('glyphs are scaled by whole factors and centred vertically', () => {
  const mask = renderBitmapText('A', 20); // scale 2 (16 rows) centred in 20 → 2 blank rows on top
  assert.equal(mask.height, 20);
  assert.equal(mask.width, 10);
  const rows = BITMAP_FONT_SOURCE.get('A')!.split(' ');
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 10; x++) {
      const r = Math.floor((y - 2) / 2);
      const expected = r >= 0 && r < 8 && rows[r][Math.floor(x / 2)] === '#' ? 255 : 0;
      assert.equal(mask.data[y * 10 + x], expected, `(${x}, ${y})`);
    }
  }
});

test('width follows the advance of 6 font pixels per glyph', () => {
  assert.equal(measureBitmapText('abc', 3), (3 * 6 - 1) * 3);
  assert.equal(renderBitmapText('abc', 24).width, measureBitmapText('abc', 3));
  assert.equal(renderBitmapText('', 16).width, 0);
  assert.equal(ink(renderBitmapText('   ', 16)), 0);
});

test('characters the font lacks never throw: box by default, or skipped', () => {
  const han = renderBitmapText('异次元', 16);
  assert.equal(han.width, measureBitmapText('xxx', 2));
  assert.ok(ink(han) > 0);
  assert.equal(renderBitmapText('异次元', 16, { missing: 'skip' }).width, 0);
  // One emoji ZWJ sequence is one user-perceived character → one box.
  assert.equal(renderBitmapText('👨‍👩‍👧', 8).width, 5);
  // Zero-width and control characters draw nothing at all.
  assert.equal(renderBitmapText('a\u200bb\u0007', 8).width, measureBitmapText('ab'));
  assert.doesNotThrow(() => renderBitmapText('\ud800 lone surrogate \u0301', 8));
});

test('accents fall back to the base letter and typography to ASCII look-alikes', () => {
  assert.deepEqual(renderBitmapText('Café', 16).data, renderBitmapText('Cafe', 16).data);
  assert.deepEqual(renderBitmapText('“hi” – ok…', 8).data, renderBitmapText('"hi" - ok...', 8).data);
});

test('heights below the font size are averaged down, not clipped', () => {
  const small = renderBitmapText('Hi', 5);
  assert.equal(small.height, 5);
  assert.ok(small.width > 0 && small.width < measureBitmapText('Hi'));
  assert.ok(ink(small) > 0);
});

test('the renderer factory and validation', () => {
  const render = createBitmapTextRenderer({ missing: 'skip' });
  assert.equal(render('a异b', 8).width, measureBitmapText('ab'));
  assert.throws(() => renderBitmapText('x', 0), { message: 'Expected positive integer for heightPx but received 0 of type number' });
});
