import { chmod, mkdir, mkdtemp, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A tree with what archives must keep: nested and empty directories, modes, mtimes, symlinks, Unicode names. */
export async function archiveFixture(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cairn-arc-src-'));
  await mkdir(join(root, 'nested', 'deeper'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await mkdir(join(root, 'private'), { mode: 0o700 });
  await chmod(join(root, 'private'), 0o700);
  await writeFile(join(root, 'nested', 'deeper', 'data.bin'), randomBytes(300_000));
  await writeFile(join(root, 'compressible.txt'), 'backup '.repeat(50_000));
  await writeFile(join(root, 'private', 'secret.key'), 'k');
  await chmod(join(root, 'private', 'secret.key'), 0o600);
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, 'run.sh'), 0o755);
  await writeFile(join(root, 'données été 日本.txt'), 'unicode');
  await writeFile(join(root, `${'long-name-'.repeat(12)}.txt`), 'a name longer than 100 bytes');
  await symlink('nested/deeper/data.bin', join(root, 'link-inside'));
  await symlink('/etc/hostname', join(root, 'link-outside'));
  const t = new Date('2025-06-01T12:00:00Z');
  await utimes(join(root, 'compressible.txt'), t, t);
  return root;
}
