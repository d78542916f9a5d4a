import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GZIP_BLOCK, GzipMembers } from '../../src/archive/gzip-members.js';
import { MemorySink } from './memory-sink.js';

test('gzip: blocks compressed in parallel and a filled hole gunzip to the bytes written', async () => {
  const sink = new MemorySink();
  const gz = new GzipMembers(sink, 6, 3);
  const text = Buffer.from('tar header and data '.repeat(150_000)); // about 3 blocks
  const noise = randomBytes(GZIP_BLOCK + 77);
  for (let at = 0; at < text.length; at += 100_000) await gz.write(text.subarray(at, at + 100_000));
  const hole = await gz.hole(512);
  await gz.write(noise);
  await gz.fill(hole, Buffer.alloc(512, 'h'));
  await gz.finish();
  const out = sink.bytes();
  assert.deepEqual(gunzipSync(out), Buffer.concat([text, Buffer.alloc(512, 'h'), noise]));
  // The text member keeps its ratio across block boundaries (each block has the one before as dictionary).
  assert.ok(out.length < noise.length + 120_000, `compressed to ${out.length}`);
});
