import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EXCLUDES, inside, leavingOut, makeFilter } from './path-filter.js';

test('patterns without a slash match the base name at any depth', () => {
  const f = makeFilter([], ['*.log', '.cache']);
  assert.equal(f.accepts('a.log'), false);
  assert.equal(f.accepts('deep/er/a.log'), false);
  assert.equal(f.accepts('x/.cache/'), false);
  assert.equal(f.accepts('a.txt'), true);
});

test('patterns with a slash match the path from the root, not the base name', () => {
  const f = makeFilter([], ['sub/*.csv', 'sub/cache/**']);
  assert.equal(f.accepts('sub/data.csv'), false);
  assert.equal(f.accepts('sub/cache/'), false);
  assert.equal(f.accepts('sub/cache/blob'), false);
  assert.equal(f.accepts('top.csv'), true);
  assert.equal(f.accepts('other/sub/data.csv'), true);
  assert.equal(f.accepts('sub/notes.txt'), true);
});

test('includes restrict, excludes win, and the default excludes are temporary files', () => {
  const f = makeFilter(['*.db', 'keep/**']);
  assert.equal(f.accepts('x/a.db'), true);
  assert.equal(f.accepts('keep/a.txt'), true);
  assert.equal(f.accepts('a.txt'), false);
  assert.equal(f.accepts('a.db.tmp'), false);
  assert.equal(f.accepts('sub/'), true, 'directories are entered to find included files');
  assert.equal(makeFilter(['*.db'], ['sub']).accepts('sub/'), false);
  for (const name of ['x-tmp-1', 'a.tmp', '.a.swp', 'f.part', '.cairn-tmp/']) {
    assert.equal(makeFilter([], DEFAULT_EXCLUDES).accepts(`d/${name}`), false, name);
  }
});

test('a directory left out takes everything under it, and nothing that only starts like it', () => {
  const f = leavingOut(makeFilter([], []), ['.local/share/cairn']);
  assert.equal(f.accepts('.local/share/cairn/'), false);
  assert.equal(f.accepts('.local/share/cairn/objects/x'), false);
  assert.equal(f.accepts('.local/share/cairn2/x'), true);
  assert.equal(f.accepts('.local/share/'), true);
  assert.equal(inside('/home/u', '/home/u/.local/share/cairn'), '.local/share/cairn');
  assert.equal(inside('/home/u', '/home/u'), undefined);
  assert.equal(inside('/home/u', '/home/user'), undefined);
  assert.equal(inside('/home/u', '/srv'), undefined);
});
