import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kmsResource, policyFor } from './iam.js';
import type { PolicyStatement } from './iam.js';

const withAction = (statements: PolicyStatement[], action: string): PolicyStatement[] =>
  statements.filter((s) => s.Action.includes(action));

const kmsOf = (p: { Statement: PolicyStatement[] }): PolicyStatement[] =>
  p.Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')));

const KMS_ACTIONS = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncrypt*',
];

test('create: CreateTags only at creation, or afterwards for series keys of managed snapshots', () => {
  const p = policyFor(['snapshot create']);
  const tags = withAction(p.Statement, 'ec2:CreateTags');
  assert.equal(tags.length, 2);
  assert.ok(tags.every((s) => s.Condition !== undefined && s.Resource === 'arn:aws:ec2:*::snapshot/*'));
  assert.deepEqual(
    tags.map((s) => s.Condition).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [
      {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['cairn:series', 'cairn:volume'] },
        StringEquals: { 'aws:ResourceTag/cairn:managed': 'true' },
      },
      { StringEquals: { 'ec2:CreateAction': ['CreateSnapshots', 'CreateSnapshot'] } },
    ],
  );
  assert.equal(new Set(p.Statement.map((s) => s.Sid)).size, p.Statement.length);
});

test('copy with --kms-key: the KMS actions CopySnapshot needs, on that key, through EC2 only', () => {
  const arn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const p = policyFor(['snapshot copy'], { kmsKeys: [arn] });
  const kms = kmsOf(p);
  assert.deepEqual(kms.flatMap((s) => s.Action).sort(), KMS_ACTIONS);
  for (const s of kms) {
    assert.equal(s.Resource, arn);
    assert.deepEqual(s.Condition?.StringLike, { 'kms:ViaService': 'ec2.*.amazonaws.com' });
  }
  const grant = withAction(kms, 'kms:CreateGrant')[0];
  assert.deepEqual(grant?.Condition?.Bool, { 'kms:GrantIsForAWSResource': 'true' });
  assert.equal(withAction(kms, 'kms:Decrypt')[0]?.Condition?.Bool, undefined);
  assert.equal(new Set(p.Statement.map((s) => s.Sid)).size, p.Statement.length);
});

test('without --kms-key, or for other commands, no KMS permission at all', () => {
  const all = policyFor(['snapshot create', 'snapshot trim', 'snapshot copy', 'snapshot list']);
  assert.ok(all.Statement.every((s) => s.Action.every((a) => !a.startsWith('kms:'))));
  const trim = policyFor(['snapshot trim'], { kmsKeys: ['alias/backups'] });
  assert.ok(trim.Statement.every((s) => s.Action.every((a) => !a.startsWith('kms:'))));
});

test('a key named by alias is matched by its alias on any key; an id by its key ARN in any region', () => {
  assert.deepEqual(kmsResource('alias/backups'), {
    resource: 'arn:aws:kms:*:*:key/*',
    alias: 'alias/backups',
  });
  assert.deepEqual(kmsResource('arn:aws:kms:us-east-1:123456789012:alias/backups'), {
    resource: 'arn:aws:kms:us-east-1:123456789012:key/*',
    alias: 'alias/backups',
  });
  assert.deepEqual(kmsResource('1234abcd-12ab-34cd-56ef-1234567890ab'), {
    resource: 'arn:aws:kms:*:*:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    alias: undefined,
  });
  const p = policyFor(['snapshot copy'], { kmsKeys: ['alias/backups'] });
  const decrypt = withAction(p.Statement, 'kms:Decrypt')[0];
  assert.deepEqual(decrypt?.Condition?.['ForAnyValue:StringEquals'], {
    'kms:ResourceAliases': 'alias/backups',
  });
});

test("--volume-kms-key: create and copy may use the volumes' key through EC2, trim and list not", () => {
  const key = 'arn:aws:kms:eu-west-1:123456789012:key/abcd';
  for (const command of ['snapshot copy', 'snapshot create'] as const) {
    const p = policyFor([command], { volumeKmsKeys: [key] });
    const kms = kmsOf(p);
    assert.deepEqual(kms.flatMap((s) => s.Action).sort(), [
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:ReEncrypt*',
    ]);
    for (const s of kms) {
      assert.equal(s.Resource, key);
      assert.deepEqual(s.Condition?.StringLike, { 'kms:ViaService': 'ec2.*.amazonaws.com' });
    }
    assert.deepEqual(withAction(kms, 'kms:CreateGrant')[0]?.Condition?.Bool, {
      'kms:GrantIsForAWSResource': 'true',
    });
    assert.equal(withAction(kms, 'kms:Decrypt')[0]?.Condition?.Bool, undefined);
  }
  const trim = policyFor(['snapshot trim', 'snapshot list'], { volumeKmsKeys: [key] });
  assert.ok(trim.Statement.every((s) => s.Action.every((a) => !a.startsWith('kms:'))));
});
