import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { allManifests, localObjectCount, manifestNames, newestManifest } from '../support/repo-probe.js';
import { describeTree } from '../support/tree.js';

async function setup(): Promise<{ src: string; repo: string; locks: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-watch-'));
  await mkdir(join(base, 'src'));
  return { src: join(base, 'src'), repo: join(base, 'repo'), locks: join(base, 'locks') };
}

function watch(args: string[], locks: string): ReturnType<typeof spawnCairn> {
  return spawnCairn(['ship', 'watch', ...args], { env: { CAIRN_LOCK_DIR: locks } });
}

async function ready(child: ReturnType<typeof spawnCairn>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('ship.ready') || err.includes('watching')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${err}`)));
  });
}

test('watch ships a file renamed into place, never its temporary name, and writes the manifest', async () => {
  const { src, repo, locks } = await setup();
  const d = watch([src, '--to', repo, '--host', 'h'], locks);
  const done = finished(d);
  await ready(d);
  await writeFile(join(src, 'sstable-tmp-Data.db'), 'partial');
  await writeFile(join(src, 'sstable-tmp-Data.db'), 'complete contents');
  await rename(join(src, 'sstable-tmp-Data.db'), join(src, 'sstable-Data.db'));
  const names = await eventually(async () => {
    const n = await manifestNames(repo, src);
    return n.includes('sstable-Data.db') && n;
  });
  assert.deepEqual(names, ['sstable-Data.db']);
  const m = await newestManifest(repo, src);
  assert.equal(m?.files[0]?.size, 'complete contents'.length);
  d.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
});

test('watch does not ship a file while it is still being written (close mode), and ships it once closed', async () => {
  const { src, repo, locks } = await setup();
  const d = watch([src, '--to', repo, '--host', 'h', '--finished', 'close'], locks);
  const done = finished(d);
  await ready(d);
  // A real writer process: writes 5 chunks 300 ms apart, then closes.
  const writer = spawn(process.execPath, [
    '-e',
    `const fs=require('fs');const fd=fs.openSync(process.argv[1],'w');let i=0;` +
      `const t=setInterval(()=>{fs.writeSync(fd,'chunk'+i+'\\n');if(++i===5){clearInterval(t);fs.closeSync(fd);}},300);`,
    join(src, 'slow.log'),
  ]);
  const writerDone = new Promise((r) => writer.on('exit', r));
  // While it writes, the file must not appear in any manifest.
  const until = Date.now() + 1000;
  while (Date.now() < until) {
    assert.ok(!(await manifestNames(repo, src)).includes('slow.log'), 'shipped while still open');
    await new Promise((r) => setTimeout(r, 100));
  }
  await writerDone;
  const m = await eventually(async () => {
    const mm = await newestManifest(repo, src);
    return mm?.files.some((f) => f.name === 'slow.log') && mm;
  });
  assert.equal(m.files.find((f) => f.name === 'slow.log')?.size, 5 * 'chunk0\n'.length);
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
});

test('watch ships hard links (Cassandra backups/), storing identical content once; new subdirectories are watched', async () => {
  const { src, repo, locks } = await setup();
  await mkdir(join(src, 'snapshots'));
  await writeFile(join(src, 'snapshots', 'a-Data.db'), 'sstable a');
  const d = watch([src, '--to', repo, '--host', 'h', '-r', '--finished', 'hardlink'], locks);
  const done = finished(d);
  await ready(d);
  // Reconciliation shipped the existing file.
  await eventually(async () => (await manifestNames(repo, join(src, 'snapshots'))).length === 1);
  await mkdir(join(src, 'backups'));
  await new Promise((r) => setTimeout(r, 100));
  await link(join(src, 'snapshots', 'a-Data.db'), join(src, 'backups', 'a-Data.db'));
  await eventually(
    async () => (await manifestNames(repo, join(src, 'backups'))).includes('a-Data.db'),
    15_000,
    'hard link shipped',
  );
  assert.equal(await localObjectCount(repo), 1);
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
});

test('directories created and removed before the daemon looks into them do not stop it', async () => {
  const { src, repo, locks } = await setup();
  const d = watch([src, '--to', repo, '--host', 'h', '-r'], locks);
  const done = finished(d);
  await ready(d);
  const { rmdir } = await import('node:fs/promises');
  for (let i = 0; i < 200; i++) {
    await mkdir(join(src, `gone-${i}`));
    await rmdir(join(src, `gone-${i}`));
  }
  await writeFile(join(src, 'after.tmp'), 'shipped after them');
  await rename(join(src, 'after.tmp'), join(src, 'after.db'));
  await eventually(async () => (await manifestNames(repo, src)).includes('after.db'), 15_000, 'after.db');
  d.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /unexpected error/);
});

test('two daemons on one path: the second refuses with a clear error', async () => {
  const { src, repo, locks } = await setup();
  const d = watch([src, '--to', repo], locks);
  const done = finished(d);
  await ready(d);
  const second = await finished(watch([src, '--to', repo], locks));
  assert.equal(second.code, 7);
  assert.match(second.stderr, /another cairn ship \(pid \d+\) is already working on/);
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
});

test('after SIGKILL mid-stream, a restart ships every file and no manifest points at a missing object', async () => {
  const { src, repo, locks } = await setup();
  const d = watch([src, '--to', repo, '--host', 'h'], locks);
  const exited = finished(d);
  await ready(d);
  for (let i = 0; i < 300; i++) {
    await writeFile(join(src, `f${i}.tmp`), `content ${i} `.repeat(500));
    await rename(join(src, `f${i}.tmp`), join(src, `f${i}.db`));
    if (i === 150) d.kill('SIGKILL');
  }
  const r = await exited;
  assert.equal(r.signal, 'SIGKILL');
  // Whatever was written before the kill is consistent.
  const verify1 = await cairn(['ship', 'verify', '--from', repo, '--json']);
  assert.equal(verify1.code, 0, verify1.stdout + verify1.stderr);
  // The lock of the killed daemon is stale and taken over; the restart reconciles.
  const again = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], {
    env: { CAIRN_LOCK_DIR: locks },
  });
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await manifestNames(repo, src)).length, 300);
  assert.equal((await cairn(['ship', 'verify', '--from', repo, '--read-data'])).code, 0);
  const dest = await mkdtemp(join(tmpdir(), 'cairn-dest-'));
  assert.equal((await cairn(['ship', 'restore', dest, '--from', repo, '--path', src])).code, 0);
  assert.deepEqual(await describeTree(dest), await describeTree(src));
});

test('watch on a missing path fails with one line and exit 4', async () => {
  const { repo, locks } = await setup();
  const r = await finished(watch(['/nonexistent/dir', '--to', repo], locks));
  assert.equal(r.code, 4);
  assert.match(r.stderr, /\/nonexistent\/dir does not exist/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('quiet mode at start-up: a file still changing when the daemon starts waits for its quiet period too', async () => {
  const { src, repo, locks } = await setup();
  const { appendFile, utimes } = await import('node:fs/promises');
  await writeFile(join(src, 'old.log'), 'quiet for an hour');
  await utimes(join(src, 'old.log'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
  const line = 'appended line\n';
  await appendFile(join(src, 'growing.log'), line);
  const d = watch(
    [src, '--to', repo, '--host', 'h', '--finished', 'quiet', '--quiet-period', '1500ms'],
    locks,
  );
  const done = finished(d);
  const up = ready(d);
  // The writer goes on across the daemon's start-up, 300 ms apart (never quiet for 1.5 s), then stops.
  for (let i = 1; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 300));
    await appendFile(join(src, 'growing.log'), line);
  }
  await up;
  await eventually(async () => (await manifestNames(repo, src)).includes('growing.log'));
  const sizes = (await allManifests(repo, src)).flatMap((m) =>
    m.files.filter((f) => f.name === 'growing.log').map((f) => f.size),
  );
  assert.deepEqual([...new Set(sizes)], [10 * line.length], 'only the finished file was ever shipped');
  assert.ok((await manifestNames(repo, src)).includes('old.log'), 'the old file is shipped at start');
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
});

test('quiet mode ships a file only once it has stopped changing for the quiet period', async () => {
  const { src, repo, locks } = await setup();
  const d = watch(
    [src, '--to', repo, '--host', 'h', '--finished', 'quiet', '--quiet-period', '600ms'],
    locks,
  );
  const done = finished(d);
  await ready(d);
  const { appendFile } = await import('node:fs/promises');
  // Appends every 200 ms for 1.6 s: never quiet for 600 ms while it writes.
  for (let i = 0; i < 8; i++) {
    await appendFile(join(src, 'growing.log'), `line ${i}\n`);
    assert.ok(!(await manifestNames(repo, src)).includes('growing.log'), 'shipped while still changing');
    await new Promise((r) => setTimeout(r, 200));
  }
  const m = await eventually(async () => {
    const mm = await newestManifest(repo, src);
    return mm?.files.some((f) => f.name === 'growing.log') && mm;
  });
  assert.equal(m.files[0]?.size, 8 * 'line 0\n'.length);
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
});
