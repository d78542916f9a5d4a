import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { deflateBound } from './deflate-bound.js';
import { deflateInto, deflatesInPlace } from './deflate-into.js';

const text = Buffer.from('a line of log text, id=42, 17 ms\n'.repeat(4000));
const inputs = {
  empty: Buffer.alloc(0),
  text,
  random: randomBytes(100_000),
  mixed: Buffer.concat([text, randomBytes(5000)]),
};

for (const viaEngine of [true, false]) {
  test(`deflateInto (${viaEngine ? "zlib's engine" : 'deflateRawSync and a copy'}) writes what deflateRawSync gives`, () => {
    for (const [name, input] of Object.entries(inputs)) {
      for (const final of [true, false]) {
        for (const dictionary of [undefined, text.subarray(0, 32 * 1024)]) {
          const out = Buffer.alloc(deflateBound(input.length) + 100, 0xee);
          const n = deflateInto(input, out, { level: 6, dictionary, final }, viaEngine);
          const finishFlush = final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
          const expected = deflateRawSync(input, {
            level: 6,
            finishFlush,
            ...(dictionary ? { dictionary } : {}),
          });
          const what = `${name}, final ${final}, dictionary ${dictionary ? 'yes' : 'no'}`;
          assert.deepEqual(out.subarray(0, n), expected, what);
          assert.ok(
            out.subarray(n).every((b) => b === 0xee),
            `${what}: nothing written past the output`,
          );
          const back = inflateRawSync(out.subarray(0, n), {
            finishFlush,
            ...(dictionary ? { dictionary } : {}),
          });
          assert.deepEqual(back, input, what);
        }
      }
    }
  });

  test(`deflateInto (${viaEngine ? 'engine' : 'copy'}) refuses an output smaller than the bound, and a bad level`, () => {
    assert.throws(
      () => deflateInto(inputs.random, Buffer.alloc(1000), { level: 6, final: true }, viaEngine),
      /larger than its bound/,
    );
    assert.throws(
      () => deflateInto(text, Buffer.alloc(deflateBound(text.length)), { level: 42, final: true }, viaEngine),
      /level/,
    );
  });
}

test("this Node.js lets deflate write into the caller's buffer", () => {
  // When a Node.js release changes zlib's internals, deflateInto still works (it copies), but
  // every block's output becomes garbage again and archive memory grows: this says so.
  assert.equal(deflatesInPlace(), true, `Node.js ${process.version}: zlib's writeSync is gone`);
});
