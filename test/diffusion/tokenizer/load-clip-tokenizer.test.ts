import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClipTokenizer } from '../../../src/diffusion/tokenizer/index.js';
import { tinyFiles } from './tiny-vocab.js';

describe('loadClipTokenizer', () => {
  let pack: string;
  const files = tinyFiles({ specialTokensMap: { pad_token: '!' } });

  before(async () => {
    pack = await mkdtemp(path.join(tmpdir(), 'anime-me-tokenizer-'));
    const dir = path.join(pack, 'tokenizer');
    await mkdir(dir);
    await writeFile(path.join(dir, 'vocab.json'), JSON.stringify(files.vocab));
    await writeFile(path.join(dir, 'merges.txt'), files.merges as string);
    await writeFile(path.join(dir, 'special_tokens_map.json'), JSON.stringify(files.specialTokensMap));
    await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));
  });
  after(async () => {
    await rm(pack, { recursive: true, force: true });
  });

  it('loads from the pack root or the tokenizer folder', async () => {
    for (const dir of [pack, path.join(pack, 'tokenizer')]) {
      const tok = await loadClipTokenizer(dir);
      assert.equal(tok.padId, files.vocab['!']);
      assert.deepEqual(tok.tokenize('hello'), [files.vocab['hello</w>']]);
    }
  });

  it('reports missing and corrupt files with model error codes', async () => {
    await assert.rejects(loadClipTokenizer(path.join(pack, 'nowhere')), { code: 'MODEL_MISSING' });
    const broken = await mkdtemp(path.join(tmpdir(), 'anime-me-tokenizer-bad-'));
    try {
      await writeFile(path.join(broken, 'vocab.json'), '{not json');
      await writeFile(path.join(broken, 'merges.txt'), '#version: 0.2\n');
      await assert.rejects(loadClipTokenizer(broken), { code: 'MODEL_INVALID' });
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
