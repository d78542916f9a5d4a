import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from './local-store.js';
import { storeContract } from '../../test/support/store-contract.js';
import { CairnError } from '../core/errors.js';

storeContract('local', async () => new LocalStore(await mkdtemp(join(tmpdir(), 'cairn-local-'))), {
  conditionalWrites: true,
  largeFileBytes: 4 * 1024 * 1024,
});

test('local: check on a missing root is NOT_FOUND unless asked to create it', async () => {
  const root = join(await mkdtemp(join(tmpdir(), 'cairn-local-')), 'repo');
  const s = new LocalStore(root);
  await assert.rejects(s.check(), (e: unknown) => e instanceof CairnError && e.code === 'NOT_FOUND');
  await s.check({ create: true });
});

test('local: a failed putFile leaves no temporary file behind', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cairn-local-'));
  const s = new LocalStore(root);
  const p = join(root, '..', `src-${process.pid}`);
  await writeFile(p, 'abc');
  await assert.rejects(s.putFile('x', p, { size: 3, sha256: 'f'.repeat(64) }));
  assert.deepEqual(await readdir(join(root, '.cairn-tmp')), []);
});

test('local: stageFile hashes the copy, publishes it under a key, and discards what is not published', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cairn-local-'));
  const s = new LocalStore(root);
  const src = join(await mkdtemp(join(tmpdir(), 'cairn-src-')), 'big');
  const data = randomBytes(3 * 1024 * 1024 + 123); // spans several chunks, ends in a partial one
  await writeFile(src, data);
  const paced: number[] = [];
  const staged = await s.stageFile(src, {
    gate: (n) => {
      paced.push(n);
      return Promise.resolve();
    },
  });
  assert.equal(staged.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(staged.bytes, data.length);
  assert.equal(
    paced.reduce((a, b) => a + b, 0),
    data.length,
  );
  await staged.publish('objects/big');
  await staged.discard(); // after publish: nothing to remove, the object stays
  assert.deepEqual(await readFile(join(root, 'objects', 'big')), data);

  const other = await s.stageFile(src);
  await other.discard();
  assert.deepEqual(await readdir(join(root, '.cairn-tmp')), []);

  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(s.stageFile(src, { signal: aborted.signal }));
  await assert.rejects(
    s.stageFile(join(root, 'missing')),
    (e: unknown) => e instanceof CairnError && e.code === 'NOT_FOUND',
  );
  assert.deepEqual(await readdir(join(root, '.cairn-tmp')), []);
});
