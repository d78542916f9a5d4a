import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { BlockDeflateStream, DEFLATE_WINDOW, deflateBound, ParallelDeflater } from './parallel-deflate.js';
import { DeflateThreads, deflateThreads } from './deflate-threads.js';

const BLOCK = 256 * 1024;

/** A job for the threads themselves: the input and an output buffer of its own. */
const job = (input: Buffer, level = 6) => ({
  level,
  input,
  dictionaryLength: 0,
  length: input.length,
  output: Buffer.allocUnsafeSlow(deflateBound(input.length)),
  final: true,
});

/** Text that repeats across block boundaries (so dictionaries matter) and random stretches. */
function sample(): Buffer {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(20_000));
  return Buffer.concat([text, randomBytes(300_000), text.subarray(0, 123_457)]);
}

async function deflateInBlocks(data: Buffer, sizes: number[], level = 6) {
  const stream = new BlockDeflateStream(new ParallelDeflater(level, { blockSize: BLOCK, concurrency: 3 }));
  const outs: Promise<Buffer>[] = [];
  let at = 0;
  for (const [i, n] of sizes.entries()) {
    const done = stream.next(data.subarray(at, at + n), i === sizes.length - 1);
    outs.push(
      done.then((d) => {
        const copy = Buffer.from(d.output);
        d.release();
        return copy;
      }),
    );
    at += n;
  }
  assert.equal(at, data.length);
  return { out: Buffer.concat(await Promise.all(outs)), stream };
}

test('blocks deflated apart, concatenated, are one raw deflate stream of the input', async () => {
  const data = sample();
  const sizes = [];
  for (let left = data.length; left > 0; left -= Math.min(left, 256 * 1024))
    sizes.push(Math.min(left, 256 * 1024));
  const { out, stream } = await deflateInBlocks(data, sizes);
  assert.deepEqual(inflateRawSync(out), data);
  assert.equal(stream.crc, crc32(data));
  assert.equal(stream.size, data.length);
  // The dictionary keeps the ratio: far smaller than the text compressed without history per block.
  assert.ok(out.length < 400_000, `compressed to ${out.length}`);
});

test('blocks shorter than the deflate window and an empty last block still make one valid stream', async () => {
  const data = sample().subarray(0, 5 * DEFLATE_WINDOW);
  const sizes = [
    100,
    DEFLATE_WINDOW - 1,
    7,
    2 * DEFLATE_WINDOW,
    data.length - (100 + DEFLATE_WINDOW + 6 + 2 * DEFLATE_WINDOW),
    0,
  ];
  const { out } = await deflateInBlocks(data, sizes);
  assert.deepEqual(inflateRawSync(out), data);
});

test('level 0 and an empty stream', async () => {
  const data = sample().subarray(0, 200_000);
  assert.deepEqual(inflateRawSync((await deflateInBlocks(data, [70_000, 130_000], 0)).out), data);
  const empty = await deflateInBlocks(Buffer.alloc(0), [0]);
  assert.deepEqual(inflateRawSync(empty.out), Buffer.alloc(0));
  assert.equal(empty.stream.crc, 0);
});

test('never more blocks on the deflate threads than its concurrency', async () => {
  const deflater = new ParallelDeflater(6, { blockSize: BLOCK, concurrency: 2 });
  const data = randomBytes(64 * 1024);
  let running = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      const started = deflater.deflate({ input: Buffer.from(data), final: true });
      // deflate() takes its slot synchronously when one is free: count the slots taken.
      running = deflater.inFlight;
      most = Math.max(most, running);
      assert.deepEqual(inflateRawSync((await started).output), data);
    }),
  );
  assert.equal(most, 2);
});

test("the caller's block is copied as it is given: its buffer can be filled again at once", async () => {
  const deflater = new ParallelDeflater(6, { blockSize: BLOCK, concurrency: 2 });
  const buffer = Buffer.alloc(BLOCK);
  const expected: Buffer[] = [];
  const pending: ReturnType<ParallelDeflater['deflate']>[] = [];
  for (let i = 0; i < 6; i++) {
    buffer.fill(`block ${i} `);
    expected.push(Buffer.from(buffer));
    pending.push(deflater.deflate({ input: buffer, final: true }));
  }
  for (const [i, p] of pending.entries()) {
    const d = await p;
    assert.deepEqual(inflateRawSync(d.output), expected[i], `block ${i}`);
    d.release();
  }
});

test('output buffers go round: blocks released and taken again many times stay intact', async () => {
  const deflater = new ParallelDeflater(6, { blockSize: BLOCK, concurrency: 2 });
  const held: { d: Awaited<ReturnType<ParallelDeflater['deflate']>>; data: Buffer }[] = [];
  for (let i = 0; i < 40; i++) {
    const data = i % 3 === 0 ? randomBytes(BLOCK) : Buffer.alloc(1000 + i * 5000, `text ${i} `);
    held.push({ d: await deflater.deflate({ input: data, final: true }), data });
    // Keep two outputs unreleased while later blocks take and give back buffers.
    if (held.length > 2) {
      const { d, data: was } = held.shift()!;
      assert.deepEqual(inflateRawSync(d.output), was);
      d.release();
    }
  }
  for (const { d, data } of held) assert.deepEqual(inflateRawSync(d.output), data);
});

test("a block larger than the deflater's block size is refused", () => {
  const deflater = new ParallelDeflater(6, { blockSize: 1024, concurrency: 1 });
  assert.throws(() => deflater.deflate({ input: Buffer.alloc(1025), final: true }), RangeError);
});

test("a block the thread cannot compress fails with zlib's reason, and the threads go on", async () => {
  const threads = deflateThreads();
  await assert.rejects(threads.deflate(job(Buffer.alloc(10), 42)), (err: Error) =>
    /deflate: .*level/i.test(err.message),
  );
  const ok = await threads.deflate(job(Buffer.from('still working')));
  assert.equal(inflateRawSync(ok.output.subarray(0, ok.length)).toString(), 'still working');
});

test('a thread that dies fails its blocks; the next block gets a new thread', async () => {
  const threads = new DeflateThreads(1);
  const pending = threads.deflate(job(randomBytes(16 * 1024 * 1024), 9));
  // The one thread, stopped while it works: as if it had crashed.
  const inner = threads as unknown as { threads: { worker: { terminate(): Promise<number> } }[] };
  await inner.threads[0]?.worker.terminate();
  await assert.rejects(pending, /deflate thread exited/);
  const ok = await threads.deflate(job(Buffer.from('after the crash')));
  assert.equal(inflateRawSync(ok.output.subarray(0, ok.length)).toString(), 'after the crash');
});

test('a small file is read and compressed on a thread, with its CRC; a missing one fails with the system error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-deflate-'));
  const text = Buffer.from('a line of a small text file\n'.repeat(200));
  const noise = randomBytes(3000);
  await writeFile(join(dir, 'text'), text);
  await writeFile(join(dir, 'noise'), noise);
  const deflater = new ParallelDeflater(6, { blockSize: BLOCK, concurrency: 2 });

  const t = await deflater.deflateFile(join(dir, 'text'), text.length);
  assert.equal(t.stored, false);
  assert.deepEqual(inflateRawSync(t.output), text);
  assert.equal(t.crc, crc32(text));
  assert.equal(t.size, text.length);

  const n = await deflater.deflateFile(join(dir, 'noise'), noise.length);
  assert.equal(n.stored, true, 'random bytes are stored: deflate makes them larger');
  assert.deepEqual(n.output, noise);

  const shorter = await deflater.deflateFile(join(dir, 'text'), text.length + 10);
  assert.equal(shorter.size, text.length, 'a file shorter than listed says so');

  await assert.rejects(deflater.deflateFile(join(dir, 'gone'), 10), (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, 'ENOENT');
    assert.equal(err.syscall, 'open');
    assert.equal(err.path, join(dir, 'gone'));
    return true;
  });
  await rm(dir, { recursive: true });
});
