import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashPool } from './hash-pool.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function partsOf(b: Buffer, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < b.length; at += size) out.push(sha(b.subarray(at, at + size)));
  return out.length ? out : [sha(Buffer.alloc(0))];
}

test('hashFile: whole-file and per-part SHA-256 for empty, exact and partial last parts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-hash-'));
  const pool = new HashPool(2);
  const part = 1024 * 1024 + 3; // not a multiple of the read size, so parts straddle reads
  for (const size of [0, 1, part, 2 * part, 3 * part + 17]) {
    const data = randomBytes(size);
    const p = join(dir, `f${size}`);
    await writeFile(p, data);
    const r = await pool.hashFile(p, { partSize: part });
    assert.equal(r.sha256, sha(data), `size ${size}`);
    assert.equal(r.bytes, size);
    assert.deepEqual(r.parts, partsOf(data, part), `parts of ${size}`);
    assert.equal((await pool.hashFile(p)).parts, undefined);
  }
});

test('copyFile: the copy is byte-identical, new, private (0600) whatever the source mode, and its hash is returned; jobs run side by side', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-hash-'));
  const pool = new HashPool(2);
  const sources = await Promise.all(
    [0, 5, 3 * 1024 * 1024 + 1, 1024].map(async (size, i) => {
      const data = randomBytes(size);
      await writeFile(join(dir, `s${i}`), data, { mode: 0o644 });
      return data;
    }),
  );
  const results = await Promise.all(
    sources.map((_, i) => pool.copyFile(join(dir, `s${i}`), join(dir, `d${i}`))),
  );
  for (const [i, data] of sources.entries()) {
    assert.equal(results[i]!.sha256, sha(data));
    assert.deepEqual(await readFile(join(dir, `d${i}`)), data);
    assert.equal((await stat(join(dir, `d${i}`))).mode & 0o777, 0o600);
  }
  // The destination must be new: an existing object is never written through.
  await assert.rejects(pool.copyFile(join(dir, 's1'), join(dir, 'd1')), { code: 'EEXIST' });
});

test('errors keep their errno code; an aborted job rejects with the abort reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-hash-'));
  const pool = new HashPool(1);
  await assert.rejects(pool.hashFile(join(dir, 'missing')), { code: 'ENOENT', syscall: 'open' });
  const big = join(dir, 'big');
  await writeFile(big, Buffer.alloc(64 * 1024 * 1024));
  const ac = new AbortController();
  const running = assert.rejects(pool.hashFile(big, { signal: ac.signal }), /stop now/);
  const queued = assert.rejects(pool.hashFile(big, { signal: ac.signal }), /stop now/);
  ac.abort(new Error('stop now'));
  await Promise.all([running, queued]);
  // The thread is free again afterwards.
  assert.equal((await pool.hashFile(big)).bytes, 64 * 1024 * 1024);
});

test('a thread that dies fails its job; the next job gets a new thread', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-hash-'));
  const path = join(dir, 'big');
  await writeFile(path, randomBytes(64 * 1024 * 1024));
  const pool = new HashPool(1);
  const pending = pool.hashFile(path);
  // The one thread, stopped while it hashes: as if it had crashed.
  const inner = pool as unknown as { threads: { worker: { terminate(): Promise<number> } }[] };
  await inner.threads[0]?.worker.terminate();
  await assert.rejects(pending, /hashing thread exited/);
  const small = join(dir, 'small');
  await writeFile(small, 'after the crash');
  assert.equal((await pool.hashFile(small)).sha256, sha(Buffer.from('after the crash')));
  await rm(dir, { recursive: true });
});
