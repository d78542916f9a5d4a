// A library caller gets the checks the CLI gets: every archive job parses its request first, and
// bad input is one USAGE CairnError naming the key, before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archive } from '../../src/archive/archive.js';
import { listArchives } from '../../src/archive/catalog.js';
import { createArchive } from '../../src/archive/create.js';
import { pruneArchives } from '../../src/archive/prune.js';
import { restoreArchive } from '../../src/archive/restore.js';
import { LocalStore } from '../../src/storage/local-store.js';

async function fixture(): Promise<{ base: string; src: string; repo: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-req-'));
  const src = join(base, 'src');
  await mkdir(src);
  await writeFile(join(src, 'a.txt'), 'a');
  return { base, src, repo: join(base, 'repo') };
}

/** Nothing at all was written to the target (not even its directory's contents). */
async function nothingWritten(repo: string): Promise<void> {
  const left = await readdir(repo).catch(() => []);
  assert.deepEqual(
    left.filter((n) => !n.startsWith('.')),
    [],
  );
}

function usageNaming(key: string, message?: RegExp) {
  return (err: unknown): boolean => {
    const e = err as { code?: string; message?: string; hint?: string };
    assert.equal(e.code, 'USAGE', String(e.message));
    assert.match(e.message ?? '', new RegExp(`^archive \\w+: ${key.replace('.', '\\.')}: `));
    if (message) assert.match(e.message ?? '', message);
    assert.doesNotMatch(e.message ?? '', /\n/);
    assert.ok(e.hint, 'a hint');
    return true;
  };
}

test('archive(): a level outside 0-9 is refused naming level, and nothing is written', async () => {
  const s = await fixture();
  try {
    for (const level of [12, -1, 2.5]) {
      assert.throws(() => archive('x', { to: s.repo, level }), usageNaming('level', /0 to 9/));
    }
    await nothingWritten(s.repo);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});

test('archive(): a bad name or format is refused naming the key', async () => {
  const s = await fixture();
  try {
    assert.throws(() => archive('a/b', { to: s.repo }), usageNaming('name', /invalid archive name "a\/b"/));
    assert.throws(() => archive('', { to: s.repo }), usageNaming('name'));
    assert.throws(
      () => archive('x', { to: s.repo, format: 'rar' as 'zip' }),
      usageNaming('format', /tar\.gz, tar, zip/),
    );
    await nothingWritten(s.repo);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});

test('archive(): a level with format tar (not compressed) is refused as conflicting, nothing stored', async () => {
  const s = await fixture();
  try {
    assert.throws(() => archive('x', { to: s.repo, format: 'tar', level: 9 }), usageNaming('level', /tar/));
    await nothingWritten(s.repo);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});

test('pruneArchives: an empty policy, a bad count or a bad name is refused naming the key; nothing deleted', async () => {
  const s = await fixture();
  try {
    const a = archive('x', { to: s.repo });
    a.includeDirectory(s.src);
    await a.save();
    const store = new LocalStore(s.repo);
    await assert.rejects(pruneArchives({ store, name: 'x', policy: {} }), usageNaming('policy'));
    await assert.rejects(
      pruneArchives({ store, name: 'x', policy: { last: 0 } }),
      usageNaming('policy.last', /at least 1/),
    );
    await assert.rejects(
      pruneArchives({ store, name: '../x', policy: { last: 1 } }),
      usageNaming('name', /invalid archive name/),
    );
    assert.equal((await listArchives(store)).length, 1);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});

test('restoreArchive and listArchives: a bad name is refused naming the key; DEST is not created', async () => {
  const s = await fixture();
  try {
    const store = new LocalStore(s.repo);
    const dest = join(s.base, 'dest');
    await assert.rejects(restoreArchive({ store, spec: 'a/b@2026-01-01', dest }), usageNaming('spec'));
    await assert.rejects(restoreArchive({ store, spec: 'x', dest: '' }), usageNaming('dest'));
    await assert.rejects(listArchives(store, 'a/b'), usageNaming('name'));
    assert.deepEqual(await readdir(s.base), ['src']);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});

test('createArchive: the whole job as one request; bad entries and conflicts are refused before anything is read', async () => {
  const s = await fixture();
  try {
    const base = { name: 'x', to: s.repo, includes: [{ path: s.src }] };
    await assert.rejects(createArchive({ ...base, level: 12 }), usageNaming('level', /0 to 9/));
    await assert.rejects(createArchive({ ...base, format: 'tar', level: 1 }), usageNaming('level', /tar/));
    await assert.rejects(
      createArchive({ ...base, runs: [{ name: '../out', command: ['echo', 'hi'] }] }),
      usageNaming('runs.name', /invalid name inside the archive/),
    );
    await assert.rejects(
      createArchive({ ...base, files: [{ path: join(s.src, 'a.txt'), name: '/abs' }] }),
      usageNaming('files.name', /invalid name inside the archive/),
    );
    await assert.rejects(createArchive({ name: 'x', to: s.repo }), {
      code: 'USAGE',
      message: /nothing to archive/,
    });
    await nothingWritten(s.repo);

    const dry = await createArchive({ ...base, dryRun: true, runs: [{ name: 'out', command: 'echo hi' }] });
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.outcome, { status: 'ok', reasons: [] });
    await nothingWritten(s.repo);

    const made = await createArchive({ ...base, format: 'zip', level: 0 });
    assert.equal(made.dryRun, false);
    assert.deepEqual(made.outcome, { status: 'ok', reasons: [] });
    assert.equal((await listArchives(new LocalStore(s.repo))).length, 1);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});
