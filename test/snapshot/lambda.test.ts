import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { policyFor } from '../../src/aws/iam.js';
import { fleet } from '../support/ec2sim/index.js';
import { simEnv, snapshotsOf, TOPIC, withSim } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
type Handler = (
  event: unknown,
  ctx?: unknown,
) => Promise<{
  ok: boolean;
  jobs: { action: string; ok: boolean; summary: string; result?: unknown; error?: { code: string } }[];
  error?: { code: string; message: string };
}>;
let handler: Handler;

before(async () => {
  const b = spawnSync(process.execPath, ['deploy/build-lambda.mjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const listing = execFileSync('unzip', ['-l', `${root}dist-lambda/cairn-lambda.zip`], { encoding: 'utf8' });
  assert.match(listing, /\sindex\.mjs\n/);
  const mod = (await import(pathToFileURL(`${root}dist-lambda/index.mjs`).href)) as { handler: Handler };
  handler = mod.handler;
});

test("the built bundle runs s3snapshot's payload, then cairn's trim and copy jobs, against the simulator", async () => {
  await withSim({}, async (sim) => {
    Object.assign(process.env, simEnv(sim));
    fleet(sim, {
      regions: ['us-east-1'],
      instances: 3,
      volumesPerInstance: 2,
      tags: (i) => ({ Env: i < 2 ? 'PROD' : 'DEV', Owner: 'John' }),
    });
    const stopped = sim.addInstance('us-east-1', {
      name: 'cold',
      state: 'stopped',
      tags: { Env: 'PROD', Owner: 'John' },
      volumes: [{ device: '/dev/xvda' }],
    });
    const s3snapshot = {
      tags: { 'tag:Env': 'PROD', 'tag:Owner': 'John' },
      stop: true,
      stopped: false,
      verbose: false,
      'sns-arn': TOPIC,
      'sns-arn-error': `${TOPIC}-Err`,
      label: 'string to include in the description',
      protected: false,
    };
    const r = await handler(s3snapshot, { getRemainingTimeInMillis: () => 60_000 });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(r.jobs[0]?.summary ?? '', /5 snapshot/);
    assert.equal(sim.callsOf('StopInstances').length, 2, 'the stopped one is not stopped again');
    assert.ok(snapshotsOf(sim, 'us-east-1').every((s) => /string to include/.test(s.description)));
    assert.equal(sim.published[0]?.topicArn, TOPIC);
    assert.equal(sim.state.region('us-east-1').instances.get(stopped.instanceId)?.state, 'stopped');

    const second = await handler({ instances: [stopped.instanceId], protected: true });
    assert.equal(second.ok, true);
    sim.advance(3_600_000);
    const jobs = await handler({
      jobs: [
        { action: 'trim', keep: { last: 1 }, 'sns-arn': TOPIC },
        { action: 'copy', 'to-region': 'eu-west-1', wait: true },
        { action: 'list', regions: ['us-east-1', 'eu-west-1'] },
      ],
    });
    assert.equal(jobs.ok, true, JSON.stringify(jobs.jobs.map((j) => j.summary)));
    assert.deepEqual(
      jobs.jobs.map((j) => j.action),
      ['trim', 'copy', 'list'],
    );
    assert.equal(snapshotsOf(sim, 'eu-west-1').length, 5);
    assert.equal((jobs.jobs[2]?.result as { series: unknown[] }).series.length, 10);
  });
});

test('failures are results, not exceptions: bad payload, partial failure, an EventBridge envelope', async () => {
  await withSim({}, async (sim) => {
    Object.assign(process.env, simEnv(sim));
    const bad = await handler({ instances: ['i-0123456789abcdef0'], stopp: true });
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.code, 'USAGE');
    assert.match(bad.error?.message ?? '', /unknown key "stopp"/);
    const a = sim.addInstance('us-east-1', {
      name: 'a',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    sim.addInstance('us-east-1', { name: 'b', tags: { B: '1' }, volumes: [{ device: '/dev/xvda' }] });
    const partial = await handler({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      detail: { tags: { B: '1' }, stopped: true, 'sns-arn-error': TOPIC },
    });
    assert.equal(partial.ok, false);
    assert.match(partial.jobs[0]?.summary ?? '', /2 FAILED/);
    assert.equal(sim.published[0]?.topicArn, TOPIC);
    assert.match(sim.published[0]?.message ?? '', new RegExp(a.instanceId));
  });
});

test('the CloudFormation role has exactly the generated policy', () => {
  const t = parse(readFileSync(`${root}deploy/cloudformation.yaml`, 'utf8')) as {
    Resources: {
      Role: { Properties: { Policies: { PolicyDocument: unknown }[] } };
      Function: { Properties: { Handler: string; Runtime: string } };
    };
  };
  assert.deepEqual(
    t.Resources.Role.Properties.Policies[0]?.PolicyDocument,
    policyFor(['snapshot create', 'snapshot trim', 'snapshot copy']),
  );
  assert.equal(t.Resources.Function.Properties.Handler, 'index.handler');
});
