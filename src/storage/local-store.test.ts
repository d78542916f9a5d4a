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

test('local: prepareFile copies in one read, paced or not, and discarding leaves no temporary file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cairn-local-'));
  const s = new LocalStore(root);
  const src = join(await mkdtemp(join(tmpdir(), 'cairn-src-')), 'big');
  const data = randomBytes(3 * 1024 * 1024 + 123); // spans several chunks, ends in a partial one
  await writeFile(src, data);
  const paced: number[] = [];
  const gated = await s.prepareFile(src, {
    gate: (n) => {
      paced.push(n);
      return Promise.resolve();
    },
  });
  assert.equal(gated.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(gated.bytes, data.length);
  assert.equal(
    paced.reduce((a, b) => a + b, 0),
    data.length,
  );
  assert.deepEqual(await gated.store('objects/big'), { uploadedBytes: data.length, resumedBytes: 0 });
  await gated.discard(); // after store: nothing to remove, the object stays
  assert.deepEqual(await readFile(join(root, 'objects', 'big')), data);

  const threaded = await s.prepareFile(src);
  assert.equal(threaded.sha256, gated.sha256);
  await threaded.discard();
  await assert.rejects(threaded.store('objects/other'), (e: unknown) => e instanceof CairnError);
  assert.deepEqual(await readdir(join(root, '.cairn-tmp')), []);

  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(s.prepareFile(src, { signal: aborted.signal }));
  await assert.rejects(s.prepareFile(src, { signal: aborted.signal, gate: () => Promise.resolve() }));
  assert.deepEqual(await readdir(join(root, '.cairn-tmp')), []);
});
