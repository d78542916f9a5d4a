import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ec2Sim, RecordedCall } from '../support/ec2sim/index.js';
import { cairn } from '../support/cli.js';
import { run, simEnv, TOPIC, withSim } from './helpers.js';

interface Policy {
  Statement: { Action: string[]; Resource: string | string[]; Condition?: unknown }[];
}

/** The IAM actions a recorded call needs; tagging at creation needs ec2:CreateTags. */
function needed(calls: readonly RecordedCall[]): Set<string> {
  const out = new Set<string>();
  for (const c of calls) {
    if (c.status !== 200) continue;
    out.add(`${c.service}:${c.action}`);
    if (Object.keys(c.params).some((k) => /^TagSpecification\.\d+\.ResourceType$/.test(k)))
      out.add('ec2:CreateTags');
  }
  return out;
}

async function policyActions(sim: Ec2Sim, command: string): Promise<Set<string>> {
  const r = await cairn(['iam-policy', ...command.split(' ')], { env: simEnv(sim) });
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout) as Policy;
  return new Set(p.Statement.flatMap((s) => s.Action));
}

const notify = ['--notify', `sns:${TOPIC}`];

/** Every path of each command: between them they make every call the command can make. */
const SCENARIOS: Record<string, (sim: Ec2Sim, ids: { loose: string }) => string[][]> = {
  'snapshot create': (_sim, ids) => [
    ['snapshot', 'create', '--tags', 'B=1', '--regions', 'all', '--stop', '--wait', ...notify],
    ['snapshot', 'create', '--volumes', ids.loose, '--per-volume'],
  ],
  'snapshot trim': () => [['snapshot', 'trim', '--regions', 'all', '--keep-last', '1', ...notify]],
  'snapshot copy': () => [['snapshot', 'copy', '--to-region', 'all', '--wait', ...notify]],
  'snapshot list': () => [['snapshot', 'list', '--regions', 'all']],
};

test('each command calls exactly what its IAM policy grants', async () => {
  await withSim({ regions: ['us-east-1', 'eu-west-1'] }, async (sim) => {
    sim.addInstance('us-east-1', {
      name: 'a',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
    });
    const loose = sim.addVolume('us-east-1');
    // The simulator's fast clock starts two hours behind the CLI's, so that what create makes is
    // in the CLI's past: list finds each series fresh, and trim treats them as it would real ones.
    sim.advance(-2 * 3_600_000);
    // Something for trim to delete: old snapshots of a series.
    for (const days of [30, 31])
      sim.addSnapshot('us-east-1', {
        startTime: Date.now() - 86_400_000 * days,
        tags: { 'cairn:managed': 'true', 'cairn:series': 'a:/dev/xvda' },
      });
    for (const [command, scenario] of Object.entries(SCENARIOS)) {
      sim.clearRecords();
      for (const args of scenario(sim, { loose })) {
        const r = await run(sim, args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      }
      const called = needed(sim.calls);
      const granted = await policyActions(sim, command);
      assert.deepEqual(
        [...called].filter((a) => !granted.has(a)),
        [],
        `${command} calls what its policy does not grant`,
      );
      assert.deepEqual(
        [...granted].filter((a) => !called.has(a)),
        [],
        `${command}'s policy grants what it never calls`,
      );
    }
  });
});

test('the policy document: scoped resources and conditions, several commands merged', async () => {
  const r = await cairn(['iam-policy', 'snapshot', 'trim', 'snapshot', 'copy', '--topic', TOPIC]);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout) as Policy & { Version: string };
  assert.equal(p.Version, '2012-10-17');
  const of = (action: string) => p.Statement.find((s) => s.Action.includes(action));
  assert.deepEqual(of('ec2:DeleteSnapshot')?.Condition, {
    StringEquals: { 'aws:ResourceTag/cairn:managed': 'true' },
  });
  assert.deepEqual(of('ec2:CreateTags')?.Condition, {
    StringEquals: { 'ec2:CreateAction': ['CopySnapshot'] },
  });
  assert.deepEqual(of('sns:Publish')?.Resource, [TOPIC]);
  assert.equal(of('ec2:StopInstances'), undefined);
  const unmanaged = JSON.parse((await cairn(['iam-policy', 'trim', '--unmanaged'])).stdout) as Policy;
  assert.equal(
    unmanaged.Statement.find((s) => s.Action.includes('ec2:DeleteSnapshot'))?.Condition,
    undefined,
  );
  const explain = await cairn(['iam-policy', 'all', '--explain']);
  assert.match(explain.stdout, /ec2:StopInstances\s+--stop/);
  const create = await cairn(['iam-policy', 'snapshot', 'create', '--explain']);
  assert.match(create.stdout, /ec2:DescribeVolumes\s+.*--volumes.*\{volume-tag:KEY\}/);
});

test('iam-policy snapshot copy --kms-key adds the KMS permissions of an encrypted copy', async () => {
  const r = await cairn(['iam-policy', 'snapshot', 'copy', '--kms-key', 'alias/backups']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout) as Policy;
  const kms = p.Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
  assert.deepEqual(kms.flatMap((s) => s.Action).sort(), [
    'kms:CreateGrant',
    'kms:Decrypt',
    'kms:DescribeKey',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:ReEncrypt*',
  ]);
  assert.ok(kms.every((s) => s.Resource === 'arn:aws:kms:*:*:key/*' && s.Condition !== undefined));
  const wrong = await cairn(['iam-policy', 'snapshot', 'trim', '--kms-key', 'alias/backups']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--kms-key/);
});
