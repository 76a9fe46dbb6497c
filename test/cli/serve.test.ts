import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServeArgs } from '../../src/cli/serve.js';

test('serve flags become service options; unset flags stay unset so environment and defaults apply', () => {
  const parsed = parseServeArgs(['--port', '9000', '--ttl', '60', '--public-url', 'https://anime.example.com', '--webhook-allow-private']);
  assert.notEqual(parsed, 'help');
  if (parsed === 'help') return;
  assert.deepEqual(parsed.options, { port: 9000, resultTtlMs: 60_000, publicUrl: 'https://anime.example.com', webhookAllowPrivate: true });
  const bare = parseServeArgs([]);
  assert.notEqual(bare, 'help');
  if (bare !== 'help') assert.deepEqual(bare.options, {});
  assert.equal(parseServeArgs(['--help']), 'help');
});

test('serve refuses malformed numbers with the flag named', () => {
  assert.throws(() => parseServeArgs(['--port', '80a']), /Expected a whole number for --port but received "80a"/);
  assert.throws(() => parseServeArgs(['--no-such-flag']), /no-such-flag/);
});
