import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { escapeName, firstNotUtf8 } from './utf8-names.js';

const bytes = (...parts: (string | number)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p))));

test('escapeName keeps valid UTF-8 and writes every other byte as \\xNN', () => {
  assert.equal(escapeName(bytes('bad', 0xff, '.db')), 'bad\\xff.db');
  assert.equal(escapeName(bytes('données ü € 😀')), 'données ü € 😀');
  // A sequence cut short, an encoded surrogate, an overlong '/', a lead byte past U+10FFFF.
  assert.equal(escapeName(bytes('x', 0xe2, 0x82)), 'x\\xe2\\x82');
  assert.equal(escapeName(bytes(0xed, 0xa0, 0x80)), '\\xed\\xa0\\x80');
  assert.equal(escapeName(bytes(0xc0, 0xaf)), '\\xc0\\xaf');
  assert.equal(escapeName(bytes(0xf5, 0x80, 0x80, 0x80)), '\\xf5\\x80\\x80\\x80');
  // Control characters would break the one-line warning; \ and ' would make it ambiguous.
  assert.equal(escapeName(bytes('a\tb\nc\x7f')), 'a\\x09b\\x0ac\\x7f');
  assert.equal(escapeName(bytes("it's a\\b")), "it\\'s a\\\\b");
});

test("what escapeName writes is what bash's $'…' reads back", () => {
  const name = bytes("a'b\\c\td", 0xff, 'é', 0xe2, 0x82, '.db');
  const out = execFileSync('bash', ['-c', `printf %s $'${escapeName(name)}'`]);
  assert.ok(out.equals(name), `${out.toString('hex')} ≠ ${name.toString('hex')}`);
});

test('firstNotUtf8 names the outermost component that is not valid UTF-8, and its directory', () => {
  assert.deepEqual(firstNotUtf8(bytes('/data/dir', 0xfe, '/x', 0xff, '/f.db')), {
    dir: '/data',
    name: 'dir\\xfe',
    last: false,
  });
  assert.deepEqual(firstNotUtf8(bytes('/data/f', 0xff)), { dir: '/data', name: 'f\\xff', last: true });
  assert.deepEqual(firstNotUtf8(bytes('/f', 0xff)), { dir: '/', name: 'f\\xff', last: true });
  assert.equal(firstNotUtf8(bytes('/data/ünïcödé/f.db')), undefined);
});
