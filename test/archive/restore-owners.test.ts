// Privilege never grows on restore: owners come back when root restores, and setuid/setgid/sticky
// bits are cleared (and reported) whenever the recorded owner is not the one the file ends up with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { cairnAsNobody, chownTreeToNobody, NOBODY } from '../support/as-nobody.js';
import { zipOf } from './zip-build.js';

const modeOf = async (p: string): Promise<string> => ((await lstat(p)).mode & 0o7777).toString(8);
const uidOf = async (p: string): Promise<number> => (await lstat(p)).uid;

/** A source with nobody's setuid-to-self program and setgid directory, archived by root. */
async function world(format: 'tar' | 'tar.gz' | 'zip') {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-owner-'));
  const src = join(base, 'src');
  const repo = join(base, 'repo');
  await mkdir(join(src, 'shared'), { recursive: true });
  await writeFile(join(src, 'prog'), '#!/bin/sh\nid -u\n');
  await writeFile(join(src, 'shared', 'note.txt'), 'group file');
  await chown(join(src, 'prog'), NOBODY, NOBODY);
  await chown(join(src, 'shared'), NOBODY, NOBODY);
  await chmod(join(src, 'prog'), 0o4755);
  await chmod(join(src, 'shared'), 0o2775);
  const made = await cairn(['archive', 'create', 'o', '--include', src, '--format', format, '--to', repo]);
  assert.equal(made.code, 0, made.stderr);
  return { base, src, repo };
}

for (const format of ['tar', 'tar.gz'] as const) {
  test(`${format}: root restores owners, and keeps setuid/setgid only with them`, async () => {
    const w = await world(format);
    const dest = join(w.base, 'dest');
    const r = await cairn(['archive', 'restore', 'o', dest, '--from', w.repo, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await uidOf(join(dest, 'prog')), NOBODY, 'the owner is restored');
    assert.equal((await lstat(join(dest, 'prog'))).gid, NOBODY);
    assert.equal(await modeOf(join(dest, 'prog')), '4755');
    assert.equal(await uidOf(join(dest, 'shared')), NOBODY);
    assert.equal(await modeOf(join(dest, 'shared')), '2775');
    assert.equal((JSON.parse(r.stdout) as { specialBitsCleared: number }).specialBitsCleared, 0);
    await rm(w.base, { recursive: true, force: true });
  });

  test(`${format}: restored by a user who cannot restore owners, setuid and setgid are cleared and reported`, async () => {
    const w = await world(format);
    const dest = join(w.base, 'dest');
    await mkdir(dest);
    await mkdir(join(w.base, 'home'));
    await chownTreeToNobody(w.base);
    // Another owner than the restoring user: root's setuid program.
    const r = await cairnAsNobody(['archive', 'restore', 'o', dest, '--from', w.repo, '--json'], {
      env: { HOME: join(w.base, 'home') },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await modeOf(join(dest, 'prog')), '4755', "nobody's own setuid program stays its own");
    await rm(dest, { recursive: true });
    await mkdir(dest);
    await chown(dest, NOBODY, NOBODY);
    // Now the same archive with the owner recorded as root: nobody cannot make the file root's.
    await chown(join(w.src, 'prog'), 0, 0);
    await chmod(join(w.src, 'prog'), 0o4755);
    await chown(join(w.src, 'shared'), 0, 0);
    await chmod(join(w.src, 'shared'), 0o2775);
    await rm(w.repo, { recursive: true });
    const made = await cairn([
      'archive',
      'create',
      'o',
      '--include',
      w.src,
      '--format',
      format,
      '--to',
      w.repo,
    ]);
    assert.equal(made.code, 0, made.stderr);
    await chownTreeToNobody(w.repo);
    const r2 = await cairnAsNobody(['archive', 'restore', 'o', dest, '--from', w.repo, '--json'], {
      env: { HOME: join(w.base, 'home') },
    });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(await uidOf(join(dest, 'prog')), NOBODY);
    assert.equal(await modeOf(join(dest, 'prog')), '755', 'setuid is cleared');
    assert.equal(await modeOf(join(dest, 'shared')), '775', 'setgid is cleared');
    assert.equal((JSON.parse(r2.stdout) as { specialBitsCleared: number }).specialBitsCleared, 2);
    assert.match(r2.stderr, /special-bits.*prog.*setuid cleared/);
    await rm(w.base, { recursive: true, force: true });
  });
}

test('zip made by cairn: root restores owners, and keeps setuid/setgid only with them', async () => {
  const w = await world('zip');
  const dest = join(w.base, 'dest');
  const r = await cairn(['archive', 'restore', 'o', dest, '--from', w.repo, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await uidOf(join(dest, 'prog')), NOBODY);
  assert.equal(await modeOf(join(dest, 'prog')), '4755');
  assert.equal(await uidOf(join(dest, 'shared')), NOBODY);
  assert.equal(await modeOf(join(dest, 'shared')), '2775');
  await rm(w.base, { recursive: true, force: true });
});

test('zip made by Info-ZIP zip: its Unix owner field is restored by root', async () => {
  const w = await world('tar');
  const zip = join(w.repo, 'iz_20260101000000.zip');
  execFileSync('zip', ['-q', '-r', zip, 'prog', 'shared'], { cwd: w.src });
  const dest = join(w.base, 'dest');
  const r = await cairn(['archive', 'restore', 'iz', dest, '--from', w.repo, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await uidOf(join(dest, 'prog')), NOBODY);
  assert.equal(await modeOf(join(dest, 'prog')), '4755');
  await rm(w.base, { recursive: true, force: true });
});

test('zip without owners: root restores setuid/setgid/sticky (07777) cleared, with a warning and a count', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-owner-'));
  const repo = join(base, 'repo');
  await mkdir(repo);
  await writeFile(
    join(repo, 'anon_20260101000000.zip'),
    zipOf([
      { name: 'd/', mode: 0o040000 | 0o7777 },
      { name: 'd/prog', mode: 0o100000 | 0o7777, data: '#!/bin/sh\n' },
      { name: 'plain', mode: 0o100000 | 0o644, data: 'x' },
    ]),
  );
  const dest = join(base, 'dest');
  const r = await cairn(['archive', 'restore', 'anon', dest, '--from', repo, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await modeOf(join(dest, 'd', 'prog')), '777');
  assert.equal(await modeOf(join(dest, 'd')), '777');
  assert.equal(await modeOf(join(dest, 'plain')), '644');
  assert.equal((JSON.parse(r.stdout) as { specialBitsCleared: number }).specialBitsCleared, 2);
  assert.match(r.stderr, /special-bits.*d\/prog.*setuid, setgid, sticky cleared/);
  await rm(base, { recursive: true, force: true });
});
