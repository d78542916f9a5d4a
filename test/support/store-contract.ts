import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { collect } from '../../src/storage/object-store.js';
import { CairnError } from '../../src/core/errors.js';

export interface ContractOptions {
  /** Whether the backend honours If-None-Match on writes (s3rver does not). */
  conditionalWrites: boolean;
  /** Size above which putFile goes multipart, to exercise it. */
  largeFileBytes: number;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** One suite, run against every ObjectStore implementation. */
export function storeContract(name: string, make: () => Promise<ObjectStore>, o: ContractOptions): void {
  const tmp = async (): Promise<string> => mkdtemp(join(tmpdir(), 'cairn-contract-'));

  test(`${name}: put, get, head, getBuffer round-trip bytes exactly`, async () => {
    const s = await make();
    const body = randomBytes(70_000);
    await s.put('a/b/c.bin', body);
    assert.deepEqual(await s.getBuffer('a/b/c.bin'), body);
    const chunks: Buffer[] = [];
    for await (const c of await s.get('a/b/c.bin')) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), body);
    const info = await s.head('a/b/c.bin');
    assert.equal(info?.size, body.length);
    assert.ok(info && Math.abs(info.lastModified.getTime() - Date.now()) < 120_000);
    assert.equal(await s.head('a/b/missing'), undefined);
  });

  test(`${name}: missing objects are NOT_FOUND errors`, async () => {
    const s = await make();
    await assert.rejects(
      s.getBuffer('nope/x'),
      (e: unknown) => e instanceof CairnError && e.code === 'NOT_FOUND',
    );
  });

  test(`${name}: getBuffer refuses objects above maxBytes`, async () => {
    const s = await make();
    await s.put('big', Buffer.alloc(5000));
    await assert.rejects(
      s.getBuffer('big', { maxBytes: 100 }),
      (e: unknown) => e instanceof CairnError && e.code === 'INTEGRITY',
    );
  });

  if (o.conditionalWrites) {
    test(`${name}: ifNoneMatch never replaces an existing object`, async () => {
      const s = await make();
      await s.put('m/one', Buffer.from('first'), { ifNoneMatch: true });
      await assert.rejects(
        s.put('m/one', Buffer.from('second'), { ifNoneMatch: true }),
        (e: unknown) => e instanceof CairnError && e.code === 'CONFLICT',
      );
      assert.equal((await s.getBuffer('m/one')).toString(), 'first');
      // Longer and shorter bodies that start alike are other bytes too.
      for (const other of ['firs', 'first and more']) {
        await assert.rejects(
          s.put('m/one', Buffer.from(other), { ifNoneMatch: true }),
          (e: unknown) => e instanceof CairnError && e.code === 'CONFLICT',
        );
      }
      assert.equal((await s.getBuffer('m/one')).toString(), 'first');
    });

    test(`${name}: a writer with ifNoneMatch never replaces an existing object, small or multipart`, async () => {
      const s = await make();
      for (const size of [10, 2 * o.largeFileBytes + 3]) {
        const key = `wo/${size}`;
        const first = randomBytes(size);
        const w = await s.createWriter(key, { ifNoneMatch: true });
        await w.write(first);
        await w.complete();
        const again = await s.createWriter(key, { ifNoneMatch: true });
        await again.write(randomBytes(size));
        await assert.rejects(
          again.complete(),
          (e: unknown) => e instanceof CairnError && e.code === 'CONFLICT',
        );
        await again.abort();
        assert.equal(sha(await s.getBuffer(key)), sha(first), `${size} bytes: the first stays`);
      }
    });
  }

  test(`${name}: a create that finds its own bytes already stored succeeds (a retried write-once put)`, async () => {
    const s = await make();
    const body = randomBytes(3000);
    await s.put('m/same', body, { ifNoneMatch: true });
    await s.put('m/same', Buffer.from(body), { ifNoneMatch: true });
    assert.deepEqual(await s.getBuffer('m/same'), body);
  });

  test(`${name}: list is in key order, honours the prefix, and pages past 1000`, async () => {
    const s = await make();
    const keys = Array.from({ length: 1005 }, (_, i) => `p/x/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => s.put(k, Buffer.from(k))));
    }
    await s.put('p/y', Buffer.from('y'));
    await s.put('px', Buffer.from('not under p/'));
    const listed = await collect(s.list('p/x/'));
    assert.deepEqual(
      listed.map((x) => x.key),
      keys,
    );
    assert.equal(listed[3]?.size, 9);
    assert.deepEqual((await collect(s.list('p/'))).length, 1006);
    await s.delete([...keys, 'p/y', 'px', 'never-existed']);
    assert.deepEqual(await collect(s.list('p')), []);
  });

  test(`${name}: unicode and spaces in keys`, async () => {
    const s = await make();
    const key = 'u/données été/日本 語.txt';
    await s.put(key, Buffer.from('ü'));
    assert.equal((await s.getBuffer(key)).toString(), 'ü');
    assert.deepEqual(
      (await collect(s.list('u/'))).map((x) => x.key),
      [key],
    );
  });

  test(`${name}: prepareFile + store keeps small and multipart-sized files whole, named by their SHA-256`, async () => {
    const s = await make();
    const dir = await tmp();
    for (const size of [0, 1000, o.largeFileBytes + 12345, 2 * o.largeFileBytes]) {
      const body = randomBytes(size);
      const p = join(dir, `f${size}`);
      await writeFile(p, body);
      const prepared = await s.prepareFile(p);
      assert.equal(prepared.sha256, sha(body));
      assert.equal(prepared.bytes, size);
      const r = await prepared.store(`f/${size}`);
      await prepared.discard();
      assert.equal(r.uploadedBytes, size);
      assert.equal(sha(await s.getBuffer(`f/${size}`)), sha(body));
    }
  });

  test(`${name}: what a prepared file stores is always the content prepared`, async () => {
    const s = await make();
    const dir = await tmp();
    for (const size of [100, o.largeFileBytes + 1]) {
      const p = join(dir, `g${size}`);
      const first = randomBytes(size);
      await writeFile(p, first);
      const prepared = await s.prepareFile(p);
      await writeFile(p, randomBytes(size)); // rewritten in place after it was read
      try {
        await prepared.store(`g/${size}`);
        // Stores that copy while preparing store the copy: it must be the first content.
        assert.equal(sha(await s.getBuffer(`g/${size}`)), sha(first));
      } catch (err) {
        assert.ok(err instanceof CairnError && err.code === 'INTEGRITY', String(err));
        assert.equal(await s.head(`g/${size}`), undefined);
      } finally {
        await prepared.discard();
      }
    }
  });

  test(`${name}: a prepared file that is discarded leaves nothing`, async () => {
    const s = await make();
    const dir = await tmp();
    const p = join(dir, 'h');
    await writeFile(p, randomBytes(o.largeFileBytes + 5));
    const prepared = await s.prepareFile(p);
    await prepared.discard();
    await prepared.discard();
    assert.deepEqual(await collect(s.list('')), []);
    await assert.rejects(
      s.prepareFile(join(dir, 'missing')),
      (e: unknown) => e instanceof CairnError && e.code === 'NOT_FOUND',
    );
  });

  test(`${name}: a writer streams an object with holes filled later, across parts`, async () => {
    const s = await make();
    const a = randomBytes(o.largeFileBytes + 100);
    const b = randomBytes(2 * o.largeFileBytes + 7);
    const w = await s.createWriter('w/obj');
    await w.write(Buffer.from('head'));
    const h = w.hole(8);
    await w.write(a);
    const h2 = w.hole(3);
    await w.write(b);
    assert.equal(await s.head('w/obj'), undefined, 'not visible before complete');
    await w.fill(h2, Buffer.from('xyz'));
    await w.fill(h, Buffer.from('12345678'));
    const r = await w.complete();
    const expected = Buffer.concat([Buffer.from('head12345678'), a, Buffer.from('xyz'), b]);
    assert.equal(r.size, expected.length);
    assert.equal(sha(await s.getBuffer('w/obj')), sha(expected));
    const chunks: Buffer[] = [];
    for await (const c of await s.get('w/obj', { range: { start: 4, end: 12 } })) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), '12345678');
  });

  test(`${name}: a small writer object, an empty one, and an aborted one`, async () => {
    const s = await make();
    const w = await s.createWriter('w/small');
    await w.write(Buffer.from('tiny'));
    await w.complete();
    assert.equal((await s.getBuffer('w/small')).toString(), 'tiny');
    const e = await s.createWriter('w/empty');
    await e.complete();
    assert.equal((await s.getBuffer('w/empty')).length, 0);
    const x = await s.createWriter('w/aborted');
    await x.write(randomBytes(o.largeFileBytes + 1));
    await x.write(randomBytes(10));
    await x.abort();
    assert.equal(await s.head('w/aborted'), undefined);
  });

  test(`${name}: get streams text`, async () => {
    const s = await make();
    await s.put('t', Buffer.from('hello'));
    assert.equal(await text(await s.get('t')), 'hello');
  });

  test(`${name}: check passes on a reachable target; sync and abortStaleUploads run`, async () => {
    const s = await make();
    await s.check();
    await s.sync();
    assert.equal(typeof (await s.abortStaleUploads('', new Date(0))), 'number');
  });

  test(`${name}: abortStaleUploads leaves an unfinished write younger than the cut-off, removes an older one`, async () => {
    const s = await make();
    const w = await s.createWriter('stale/arc');
    await w.write(randomBytes(o.largeFileBytes + 10)); // a part (S3) or a temporary file (local)
    await w.write(randomBytes(10));
    const past = new Date(Date.now() - 3_600_000);
    assert.equal(await s.abortStaleUploads('', past), 0, 'nothing older than an hour ago');
    await w.write(randomBytes(10));
    await w.complete();
    assert.equal((await s.head('stale/arc'))?.size, o.largeFileBytes + 30, 'the live write completes');
    const x = await s.createWriter('stale/killed');
    await x.write(randomBytes(o.largeFileBytes + 10));
    await x.write(randomBytes(10));
    // Its store's clock: a cut-off an hour ahead makes it old.
    const n = await s.abortStaleUploads('', new Date(Date.now() + 3_600_000));
    if (o.conditionalWrites) assert.ok(n >= 1, `aborted ${n}`);
    await x.abort();
    assert.equal(await s.head('stale/killed'), undefined);
  });
}
