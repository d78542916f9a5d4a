import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { policyFor } from '../../src/aws/iam.js';
import { parseEvent } from '../../src/lambda/payload.js';
import { fleet } from '../support/ec2sim/index.js';
import { eventually } from '../support/cli.js';
import { ok, simEnv, snapshotsOf, TOPIC, withSim } from './helpers.js';

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
    // The simulator's fast clock starts three hours behind the function's: what create makes
    // is in its past, so copy takes it as the newest and list finds every series fresh.
    sim.advance(-3 * 3_600_000);
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

    const before = new Set(snapshotsOf(sim, 'us-east-1').map((x) => x.id));
    const second = await handler({ instances: [stopped.instanceId], protected: true });
    assert.equal(second.ok, true);
    const made = snapshotsOf(sim, 'us-east-1').filter((x) => !before.has(x.id));
    assert.deepEqual(
      made.map((x) => x.volumeId),
      stopped.volumeIds,
      'exactly the volumes of the instances named',
    );
    assert.deepEqual(
      (second.jobs[0]?.result as { items: { instanceId?: string; snapshotId?: string }[] }).items.map((i) => [
        i.instanceId,
        i.snapshotId,
      ]),
      made.map((x) => [stopped.instanceId, x.id]),
    );
    for (const x of made) {
      assert.equal(x.tags.get('cairn:protected'), 'true');
      assert.equal(x.tags.get('cairn:managed'), 'true');
    }
    assert.ok(
      snapshotsOf(sim, 'us-east-1')
        .filter((x) => before.has(x.id))
        .every((x) => !x.tags.has('cairn:protected')),
      '"protected": false tags nothing',
    );
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

interface Template {
  Parameters: { Payload: { Default: string } };
  Resources: {
    Role: { Properties: { Policies: { PolicyName: string; PolicyDocument: unknown }[] } };
    Function: { Properties: { Handler: string; Runtime: string } };
    InvokeConfig: {
      Type: string;
      Properties: { FunctionName: unknown; Qualifier: string; MaximumRetryAttempts: number };
    };
    Schedule: {
      Type: string;
      Properties: { ScheduleExpression: unknown; Targets: { Id: string; Arn: unknown; Input: unknown }[] };
    };
    SchedulePermission: { Properties: { FunctionName: unknown; Principal: string; SourceArn: unknown } };
  };
}

test('the CloudFormation template: exactly the generated policy, the payload as the schedule input, no retries', () => {
  const t = parse(readFileSync(`${root}deploy/cloudformation.yaml`, 'utf8')) as Template;
  const policies = t.Resources.Role.Properties.Policies;
  assert.equal(policies.length, 1, 'one inline policy');
  assert.deepEqual(
    policies[0]?.PolicyDocument,
    policyFor(['snapshot create', 'snapshot trim', 'snapshot copy']),
  );
  assert.equal(t.Resources.Function.Properties.Handler, 'index.handler');
  assert.equal(t.Resources.Function.Properties.Runtime, 'nodejs20.x');

  const rule = t.Resources.Schedule;
  assert.equal(rule.Type, 'AWS::Events::Rule');
  assert.deepEqual(rule.Properties.ScheduleExpression, { Ref: 'ScheduleExpression' });
  assert.equal(rule.Properties.Targets.length, 1);
  const [target] = rule.Properties.Targets;
  assert.deepEqual(target?.Arn, { 'Fn::GetAtt': ['Function', 'Arn'] });
  assert.deepEqual(target?.Input, { Ref: 'Payload' }, 'the rule sends the payload as the event');
  const jobs = parseEvent(JSON.parse(t.Parameters.Payload.Default));
  assert.deepEqual(
    jobs.map((j) => j.action),
    ['create', 'trim'],
    'the default payload is one the handler accepts',
  );
  assert.deepEqual(t.Resources.SchedulePermission.Properties, {
    Action: 'lambda:InvokeFunction',
    FunctionName: { Ref: 'Function' },
    Principal: 'events.amazonaws.com',
    SourceArn: { 'Fn::GetAtt': ['Schedule', 'Arn'] },
  });

  const retries = t.Resources.InvokeConfig;
  assert.equal(retries.Type, 'AWS::Lambda::EventInvokeConfig');
  assert.deepEqual(retries.Properties, {
    FunctionName: { Ref: 'Function' },
    Qualifier: '$LATEST',
    MaximumRetryAttempts: 0,
  });
});

test('a Lambda whose time runs short starts the instance it stopped again', async () => {
  // The stop takes 3 s of wall time; the function has 11 s left when it starts.
  await withSim({ stopDurationMs: 300_000 }, async (sim) => {
    Object.assign(process.env, simEnv(sim));
    const a = sim.addInstance('us-east-1', {
      name: 'web-1',
      tags: { L: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    const end = Date.now() + 11_000;
    const r = await handler(
      { tags: { L: '1' }, stop: true },
      { getRemainingTimeInMillis: () => end - Date.now() },
    );
    assert.equal(ok(sim.callsOf('StopInstances')).length, 1);
    assert.equal(ok(sim.callsOf('StartInstances')).length, 1, JSON.stringify(r));
    await eventually(
      () => Promise.resolve(sim.state.region('us-east-1').instances.get(a.instanceId)?.state === 'running'),
      15_000,
      'the instance to run again',
    );
  });
});

test('near its deadline the handler starts no new work and starts the instances it stopped again', async () => {
  await withSim({ stopDurationMs: 300_000 }, async (sim) => {
    Object.assign(process.env, simEnv(sim));
    const a = sim.addInstance('us-east-1', {
      name: 'web-1',
      tags: { L: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    // The function's time falls to 100 s once the instance is stopping: less than the reserve
    // the handler keeps for starting instances again.
    const left = (): number => (ok(sim.callsOf('StopInstances')).length ? 100_000 : 900_000);
    const r = await handler(
      {
        jobs: [
          { tags: { L: '1' }, stop: true, 'sns-arn-error': TOPIC },
          { action: 'trim', keep: { last: 1 } },
        ],
      },
      { getRemainingTimeInMillis: left },
    );
    assert.equal(r.ok, false);
    assert.equal(sim.callsOf('CreateSnapshots').length, 0, 'no snapshot started after the deadline');
    assert.equal(sim.callsOf('DescribeSnapshots').length, 0, 'the trim job was not started');
    assert.equal(ok(sim.callsOf('StartInstances')).length, 1);
    const job = r.jobs[0] as {
      ok: boolean;
      summary: string;
      result?: { outcome: { status: string }; restarted: string[] };
    };
    assert.equal(job.result?.outcome.status, 'interrupted');
    assert.deepEqual(job.result?.restarted, [a.instanceId]);
    assert.match(job.summary, new RegExp(`started ${a.instanceId} again`));
    assert.equal(r.jobs[1]?.ok, false);
    assert.match(r.jobs[1]?.summary ?? '', /not started/);
    assert.match(sim.published[0]?.message ?? '', new RegExp(a.instanceId));
    await eventually(
      () => Promise.resolve(sim.state.region('us-east-1').instances.get(a.instanceId)?.state === 'running'),
      15_000,
      'the instance to run again',
    );
  });
});

test('the payload is checked as the CLI checks its flags, before any job runs', async () => {
  await withSim({}, async (sim) => {
    Object.assign(process.env, simEnv(sim));
    sim.addInstance('us-east-1', { name: 'web-1', tags: { L: '1' }, volumes: [{ device: '/dev/xvda' }] });
    const refused = async (payload: unknown, message: RegExp): Promise<void> => {
      const r = await handler(payload);
      assert.equal(r.ok, false, JSON.stringify(payload));
      assert.equal(r.error?.code, 'USAGE', JSON.stringify(r));
      assert.match(r.error?.message ?? '', message);
      assert.doesNotMatch(r.error?.message ?? '', /\n/);
    };
    await refused({ tags: { L: '1' }, 'series-key': 'nightly' }, /series-key.*no placeholder/);
    await refused({ tags: { L: '1' }, stop: true, stopped: true }, /stop.*stopped.*exclude/);
    await refused({ instances: ['web-1'] }, /"web-1" is not an instance id/);
    await refused({ volumes: ['snap-0123456789abcdef0'] }, /is not a volume id/);
    await refused({ tags: { L: '1' }, regions: ['us-east'] }, /"us-east" is not a region name/);
    await refused({ jobs: [{ tags: { L: '1' } }, { action: 'trim', keep: { daily: 0 } }] }, /keep.daily/);
    await refused({ jobs: [{ tags: { L: '1' } }, { action: 'trim', keep: {} }] }, /keep/);
    await refused({ jobs: [{ tags: { L: '1' } }, { action: 'copy', 'to-region': ['eu-west'] }] }, /eu-west/);
    assert.equal(sim.callsOf('CreateSnapshots').length, 0, 'nothing ran');
    assert.equal(sim.callsOf('StopInstances').length, 0);
  });
});

test('the list job is not ok when a series is stale, and names it (as the CLI exits 3)', async () => {
  // Simulated time runs as the wall clock does: the handler's "now" is the simulator's.
  await withSim({ clockSpeed: 1 }, async (sim) => {
    Object.assign(process.env, simEnv(sim));
    const now = Date.now();
    const add = (series: string, hoursAgo: number) =>
      sim.addSnapshot('us-east-1', {
        startTime: now - hoursAgo * 3_600_000,
        tags: { 'cairn:managed': 'true', 'cairn:series': series },
      });
    add('web-1:/dev/xvda', 2);
    add('db-1:/dev/xvda', 30);
    const r = await handler({ action: 'list' });
    assert.equal(r.ok, false, JSON.stringify(r));
    const [job] = r.jobs;
    assert.equal(job?.ok, false);
    assert.match(job?.summary ?? '', /1 series stale: db-1:\/dev\/xvda \(us-east-1\)/);
    assert.doesNotMatch(job?.summary ?? '', /web-1/);
    const result = job?.result as { outcome: { status: string; reasons: string[] } };
    assert.equal(result.outcome.status, 'partial');
    assert.match(result.outcome.reasons.join(), /db-1:\/dev\/xvda/);

    const wider = await handler({ action: 'list', 'stale-after': '2d' });
    assert.equal(wider.ok, true, JSON.stringify(wider));
    assert.equal(wider.jobs[0]?.summary, '2 series, none stale');
  });
});
