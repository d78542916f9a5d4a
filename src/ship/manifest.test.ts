import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeManifest, encodeManifest } from './manifest.js';
import type { Manifest } from './manifest.js';
import { manifestKey, parseManifestKey } from './layout.js';
import { CairnError } from '../core/errors.js';

const good: Manifest = {
  version: 1,
  host: 'db-1',
  dir: '/var/lib/cassandra/data/ks',
  time: '2026-11-25T03:00:00.000Z',
  files: [{ name: 'a-Data.db', size: 10, mtimeMs: 1.5, mode: 0o644, sha256: 'f'.repeat(64) }],
};

const integrity = (e: unknown): boolean => e instanceof CairnError && e.code === 'INTEGRITY';

test('a manifest round-trips', () => {
  assert.deepEqual(decodeManifest(encodeManifest(good), 'k'), good);
});

test('entries carry ctime and inode; those of earlier versions, without them, are read as before', () => {
  const entry = { ...good.files[0]!, ctimeMs: 1764039600123.4568, ino: 2 ** 60 + 2 ** 10 };
  const current: Manifest = { ...good, files: [entry] };
  assert.deepEqual(decodeManifest(encodeManifest(current), 'k'), current);
  const old = decodeManifest(Buffer.from(JSON.stringify(good)), 'k');
  assert.equal(old.files[0]?.ctimeMs, undefined);
  assert.equal(old.files[0]?.ino, undefined);
  const file = (patch: object): Buffer => encodeManifest({ ...good, files: [{ ...entry, ...patch }] });
  assert.throws(() => decodeManifest(file({ ino: -1 }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ ino: 1.5 }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ ctimeMs: '1' }), 'k'), integrity);
});

test('hostile or corrupted manifests are refused', () => {
  const bad = (patch: object): Buffer => Buffer.from(JSON.stringify({ ...good, ...patch }));
  const file = (patch: object): Buffer => bad({ files: [{ ...good.files[0], ...patch }] });
  assert.throws(() => decodeManifest(Buffer.from('{not json'), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ name: '../../etc/passwd' }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ name: '..' }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ name: 'a/b' }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ sha256: 'xyz' }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ size: -1 }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ mode: 0o177777 }), 'k'), integrity);
  assert.throws(() => decodeManifest(bad({ dir: 'relative/dir' }), 'k'), integrity);
  assert.throws(() => decodeManifest(bad({ dir: '/var/../etc' }), 'k'), integrity);
  assert.throws(() => decodeManifest(bad({ version: 2 }), 'k'), integrity);
  assert.throws(() => decodeManifest(bad({ files: [good.files[0], good.files[0]] }), 'k'), integrity);
});

test('manifest keys encode host and directory reversibly', () => {
  const key = manifestKey('db 1/x', '/data/with space/ü', new Date('2026-11-25T03:00:00.123Z'));
  const ref = parseManifestKey(key);
  assert.equal(ref?.host, 'db 1/x');
  assert.equal(ref?.dir, '/data/with space/ü');
  assert.equal(ref?.time.toISOString(), '2026-11-25T03:00:00.123Z');
  assert.equal(parseManifestKey('ship/h/manifests/%2Fd/garbage.json'), undefined);
});

test('keys a later version 1 may add are dropped, at the top and in entries; a later version is refused', () => {
  const later = Buffer.from(
    JSON.stringify({ ...good, chunker: 'x', files: [{ ...good.files[0], xattrs: { 'user.a': '1' } }] }),
  );
  const m = decodeManifest(later, 'k');
  assert.deepEqual(m, decodeManifest(Buffer.from(JSON.stringify(good)), 'k'));
  assert.ok(!('chunker' in m) && !('xattrs' in (m.files[0] ?? {})));
  assert.throws(() => decodeManifest(Buffer.from(JSON.stringify({ ...good, version: 2 })), 'k'), integrity);
});

test('entries carry their owner; those of earlier versions, without one, are read as before', () => {
  const entry = { ...good.files[0]!, uid: 65534, gid: 100 };
  const current: Manifest = { ...good, files: [entry] };
  assert.deepEqual(decodeManifest(encodeManifest(current), 'k'), current);
  assert.equal(decodeManifest(encodeManifest(good), 'k').files[0]?.uid, undefined);
  const file = (patch: object): Buffer => encodeManifest({ ...good, files: [{ ...entry, ...patch }] });
  assert.throws(() => decodeManifest(file({ uid: -1 }), 'k'), integrity);
  assert.throws(() => decodeManifest(file({ gid: 1.5 }), 'k'), integrity);
});
