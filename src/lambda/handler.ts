import { defaultRegion, makeAwsClients } from '../aws/clients.js';
import { ApiScheduler } from '../aws/scheduler.js';
import { CairnError, isCairnError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { CairnEvent, Reporter } from '../core/reporter.js';
import { snapshotCopy } from '../ebs/copy.js';
import { createSummary, snapshotCreate } from '../ebs/create.js';
import { snapshotList } from '../ebs/list.js';
import { parseTopic } from '../ebs/notify.js';
import type { NotifyTargets } from '../ebs/notify.js';
import { SdkEc2 } from '../ebs/sdk-ec2.js';
import { SdkSns } from '../ebs/sdk-sns.js';
import { snapshotTrim, trimSummary } from '../ebs/trim.js';
import { copySummary } from '../ebs/copy.js';
import type { Job } from './payload.js';
import { parseEvent } from './payload.js';

// The function's entry point, as bin/cairn.js is the CLI's: the SDK's notice that its future
// releases need Node.js 22 is not for the function's logs (the bundle fixes the SDK version).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface JobResult {
  action: Job['action'];
  ok: boolean;
  summary: string;
  result?: unknown;
  error?: { code: ErrorCode; message: string; hint?: string };
}

export interface HandlerResult {
  ok: boolean;
  jobs: JobResult[];
  error?: { code: ErrorCode; message: string; hint?: string };
}

interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
}

/** Lambda logs: one JSON line per event, no progress bars. */
const logReporter: Reporter = {
  event(e: CairnEvent) {
    if (e.level !== 'debug') console.log(JSON.stringify(e));
  },
};

const notifyOf = (j: Job): NotifyTargets | undefined =>
  j.notify || j.notifyError
    ? {
        onSuccess: j.notify ? parseTopic(j.notify, 'sns-arn') : undefined,
        onError: j.notifyError ? parseTopic(j.notifyError, 'sns-arn-error') : undefined,
      }
    : undefined;

/**
 * The Lambda entry point: runs the jobs of an EventBridge payload in order. It never throws:
 * every failure becomes `{ ok: false }` with the error, because an asynchronous invocation that
 * throws is retried by Lambda, and a retried create would snapshot everything twice.
 */
export async function handler(event: unknown, context: LambdaContext = {}): Promise<HandlerResult> {
  const controller = new AbortController();
  const left = context.getRemainingTimeInMillis?.();
  const timer = left ? setTimeout(() => controller.abort(), Math.max(1000, left - 10_000)) : undefined;
  const clients = makeAwsClients();
  const scheduler = new ApiScheduler({ signal: controller.signal });
  const api = new SdkEc2(clients, scheduler);
  const notifier = new SdkSns(clients);
  const jobs: JobResult[] = [];
  try {
    for (const job of parseEvent(event)) jobs.push(await runJob(job, api, notifier, controller.signal));
    const ok = jobs.every((j) => j.ok);
    console.log(
      JSON.stringify({
        level: ok ? 'info' : 'error',
        type: 'lambda.done',
        message: jobs.map((j) => j.summary).join(' | '),
      }),
    );
    return { ok, jobs };
  } catch (err) {
    const e = toError(err);
    console.log(JSON.stringify({ level: 'error', type: 'lambda.error', message: e.message, code: e.code }));
    return { ok: false, jobs, error: e.toJSON() };
  } finally {
    if (timer) clearTimeout(timer);
    clients.destroy();
  }
}

function toError(err: unknown): CairnError {
  if (isCairnError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError')
    return new CairnError('INTERRUPTED', 'stopped before the Lambda timeout');
  return new CairnError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

async function runJob(j: Job, api: SdkEc2, notifier: SdkSns, signal: AbortSignal): Promise<JobResult> {
  const home = defaultRegion();
  try {
    switch (j.action) {
      case 'create': {
        const r = await snapshotCreate({
          api,
          notifier,
          reporter: logReporter,
          signal,
          regions: j.regions,
          homeRegion: home,
          selection: {
            instanceIds: j.instances,
            volumeIds: j.volumes,
            tags: j.tags,
            excludeDevices: j.excludeDevices,
          },
          mode: j.stop ? 'stop' : j.stopped ? 'stopped' : 'live',
          perVolume: j.perVolume,
          label: j.label,
          protect: j.protect,
          copyTags: j.copyTags,
          seriesKey: j.seriesKey,
          wait: j.wait,
          dryRun: j.dryRun,
          notify: notifyOf(j),
        });
        const s = createSummary(r);
        return { action: j.action, ok: s.ok, summary: s.subject, result: r };
      }
      case 'trim': {
        const r = await snapshotTrim({
          api,
          notifier,
          reporter: logReporter,
          regions: j.regions,
          homeRegion: home,
          policy: j.keep,
          tags: j.tags,
          series: j.series,
          maxDeletions: j.maxDeletions,
          dryRun: j.dryRun,
          notify: notifyOf(j),
        });
        const s = trimSummary(r);
        return { action: j.action, ok: s.ok, summary: s.subject, result: r };
      }
      case 'copy': {
        const r = await snapshotCopy({
          api,
          notifier,
          reporter: logReporter,
          signal,
          fromRegion: j.fromRegion ?? home,
          toRegions: j.toRegions,
          tags: j.tags,
          series: j.series,
          kmsKeyId: j.kmsKeyId,
          wait: j.wait,
          dryRun: j.dryRun,
          notify: notifyOf(j),
        });
        const s = copySummary(r);
        return { action: j.action, ok: s.ok, summary: s.subject, result: r };
      }
      case 'list': {
        const r = await snapshotList({
          api,
          reporter: logReporter,
          regions: j.regions,
          homeRegion: home,
          tags: j.tags,
          series: j.series,
        });
        return {
          action: j.action,
          ok: r.regionErrors.length === 0,
          summary: `${r.series.length} series`,
          result: r,
        };
      }
    }
  } catch (err) {
    const e = toError(err);
    return { action: j.action, ok: false, summary: `${j.action} failed: ${e.message}`, error: e.toJSON() };
  }
}
