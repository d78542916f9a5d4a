// ship restore: owners come back when root restores, setuid/setgid/sticky bits are cleared (and
// reported) otherwise; a download cut mid-stream is retried; a bad object never replaces a good file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { cairnAsNobody, chownTreeToNobody, NOBODY } from '../support/as-nobody.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { s3TestConfig } from '../support/s3-env.js';
import { s3Target } from '../support/targets.js';

const modeOf = async (p: string): Promise<string> => ((await lstat(p)).mode & 0o7777).toString(8);

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out;
}

/** nobody's setuid-to-self program and a root file, shipped by root to a local repository. */
async function world() {
  const base = await mkdtemp(join(tmpdir(), 'cairn-ship-owner-'));
  const src = join(base, 'src');
  const repo = join(base, 'repo');
  await mkdir(src);
  await writeFile(join(src, 'prog'), '#!/bin/sh\nid -u\n');
  await chown(join(src, 'prog'), NOBODY, NOBODY);
  await chmod(join(src, 'prog'), 0o4755);
  await writeFile(join(src, 'plain'), 'plain');
  const b = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h']);
  assert.equal(b.code, 0, b.stderr);
  const restore = (dest: string, as: 'root' | 'nobody') =>
    (as === 'root' ? cairn : cairnAsNobody)(
      ['ship', 'restore', dest, '--from', repo, '--host', 'h', '--path', src, '--json'],
      { env: { HOME: base } },
    );
  return { base, src, repo, restore };
}

test('ship restore as root gives files back to their recorded owner, setuid kept with it', async () => {
  const w = await world();
  const dest = join(w.base, 'dest');
  const r = await w.restore(dest, 'root');
  assert.equal(r.code, 0, r.stderr);
  const st = await lstat(join(dest, 'prog'));
  assert.equal(st.uid, NOBODY, 'the owner is restored');
  assert.equal(st.gid, NOBODY);
  assert.equal(await modeOf(join(dest, 'prog')), '4755');
  assert.equal((await lstat(join(dest, 'plain'))).uid, 0);
  assert.equal((JSON.parse(r.stdout) as { specialBitsCleared: number }).specialBitsCleared, 0);
  await rm(w.base, { recursive: true, force: true });
});

test('ship restore by a user who cannot restore the owner clears setuid and says so', async () => {
  const w = await world();
  // root's setuid program this time
  await chown(join(w.src, 'prog'), 0, 0);
  await chmod(join(w.src, 'prog'), 0o4755);
  const b = await cairn(['ship', 'backup', w.src, '--to', w.repo, '--host', 'h']);
  assert.equal(b.code, 0, b.stderr);
  const dest = join(w.base, 'dest');
  await mkdir(dest);
  await chownTreeToNobody(w.base);
  const r = await w.restore(dest, 'nobody');
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await lstat(join(dest, 'prog'))).uid, NOBODY);
  assert.equal(await modeOf(join(dest, 'prog')), '755', 'setuid is cleared');
  assert.equal((JSON.parse(r.stdout) as { specialBitsCleared: number }).specialBitsCleared, 1);
  assert.match(r.stderr, /ship\.restore\.special-bits.*prog: setuid cleared/);
  await rm(w.base, { recursive: true, force: true });
});

test('ship restore of a manifest without owners (older cairn) asking for 07777 clears the special bits', async () => {
  const w = await world();
  const manifests = (await files(join(w.repo, 'ship'))).filter((p) => p.endsWith('.json'));
  assert.equal(manifests.length, 1);
  const m = JSON.parse(await readFile(manifests[0]!, 'utf8')) as { files: Record<string, unknown>[] };
  for (const f of m.files) {
    delete f.uid;
    delete f.gid;
    if (f.name === 'prog') f.mode = 0o7777;
  }
  await writeFile(manifests[0]!, JSON.stringify(m));
  const dest = join(w.base, 'dest');
  const r = await w.restore(dest, 'root');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await modeOf(join(dest, 'prog')), '777');
  assert.equal((JSON.parse(r.stdout) as { specialBitsCleared: number }).specialBitsCleared, 1);
  assert.match(r.stderr, /ship\.restore\.special-bits.*prog: setuid, setgid, sticky cleared/);
  await rm(w.base, { recursive: true, force: true });
});

test('ship restore: a damaged object never replaces the good file already in DEST', async () => {
  const w = await world();
  const objects = (await files(join(w.repo, 'objects'))).filter((p) => !p.endsWith('.json'));
  for (const o of objects) await writeFile(o, 'rotten');
  const dest = join(w.base, 'dest');
  await mkdir(dest);
  await writeFile(join(dest, 'plain'), 'good old');
  const r = await w.restore(dest, 'root');
  assert.equal(r.code, 3, r.stderr);
  assert.equal(await readFile(join(dest, 'plain'), 'utf8'), 'good old');
  assert.deepEqual(await readdir(dest), ['plain'], 'no temporary file is left');
  await rm(w.base, { recursive: true, force: true });
});

test('s3: ship restore retries a download that breaks mid-stream', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-ship-cut-'));
  const src = join(base, 'src');
  await mkdir(src);
  const data = randomBytes(3 * 1024 * 1024 + 11);
  await writeFile(join(src, 'big.bin'), data);
  const repo = await s3Target.make();
  const b = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env: s3Target.env() });
  assert.equal(b.code, 0, b.stderr);
  const proxy = await startFaultProxy(s3TestConfig().endpoint);
  try {
    proxy.cutNext(2, { path: /objects(\/|%2F)sha256/, afterBytes: 1024 * 1024 });
    const dest = join(base, 'dest');
    const r = await cairn(['ship', 'restore', dest, '--from', repo, '--host', 'h', '--path', src, '--json'], {
      env: { ...s3Target.env(), AWS_ENDPOINT_URL_S3: proxy.endpoint },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stderr.match(/ship\.restore\.retry/g) ?? []).length, 2, 'both cuts were retried');
    assert.ok((await readFile(join(dest, 'big.bin'))).equals(data), 'the bytes are those shipped');
    assert.deepEqual(await readdir(dest), ['big.bin']);
  } finally {
    await proxy.close();
    await rm(base, { recursive: true, force: true });
  }
});
