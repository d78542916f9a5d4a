import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
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
