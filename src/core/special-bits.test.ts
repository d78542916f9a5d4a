import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSpecialBits, ownerToApply, planMode } from './special-bits.js';

const nobody = { uid: 65534, gid: 65534 };
const root = { uid: 0, gid: 0 };

test('a mode without special bits is applied as it is, whoever owns the file', () => {
  assert.deepEqual(planMode(0o755, undefined, root), { mode: 0o755 });
  assert.deepEqual(planMode(0o100644, nobody, root), { mode: 0o644 });
});

test('setuid/setgid/sticky are kept only when the file has its recorded owner and group', () => {
  assert.deepEqual(planMode(0o4755, nobody, nobody), { mode: 0o4755 });
  const wrongGroup = planMode(0o2755, nobody, { uid: 65534, gid: 0 });
  assert.equal(wrongGroup.mode, 0o755);
  assert.equal(wrongGroup.cleared?.bits, 0o2000);
  assert.match(wrongGroup.cleared?.reason ?? '', /65534:65534 could not be restored/);
});

test('an unknown owner clears every special bit, 07777 included', () => {
  const p = planMode(0o7777, undefined, root);
  assert.equal(p.mode, 0o777);
  assert.equal(p.cleared?.bits, 0o7000);
  assert.equal(p.cleared?.reason, 'its owner is not recorded');
  assert.equal(describeSpecialBits(0o7000), 'setuid, setgid, sticky');
});

test('only root gives a file to its recorded owner', () => {
  assert.deepEqual(ownerToApply(nobody, { root: true }), nobody);
  assert.equal(ownerToApply(nobody, { root: false }), undefined);
  assert.equal(ownerToApply(undefined, { root: true }), undefined);
});
