import { makeAwsClients } from '../aws/clients.js';
import { ApiScheduler } from '../aws/scheduler.js';
import { CairnError, isCairnError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { CairnEvent, Reporter } from '../core/reporter.js';
import { snapshotCopy } from '../ebs/copy.js';
import { createSummary, snapshotCreate } from '../ebs/create.js';
import { snapshotList, staleLine } from '../ebs/list.js';
import { SdkEc2 } from '../ebs/sdk-ec2.js';
import { SdkSns } from '../ebs/sdk-sns.js';
import { snapshotTrim, trimSummary } from '../ebs/trim.js';
import { copySummary } from '../ebs/copy.js';
import type { Job } from './payload.js';
import { deadlinePlan, LAMBDA_DEFAULTS } from './options.js';
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

/**
 * The Lambda entry point: runs the jobs of an EventBridge payload in order. It never throws:
 * every failure becomes `{ ok: false }` with the error, because an asynchronous invocation that
 * throws is retried by Lambda, and a retried create would snapshot everything twice. It keeps
 * back part of its time (LAMBDA_DEFAULTS) to start again the instances it stopped: when less is
 * left, it starts no new work.
 */
export async function handler(event: unknown, context: LambdaContext = {}): Promise<HandlerResult> {
  const controller = new AbortController();
  const left = context.getRemainingTimeInMillis?.();
  const plan = left === undefined ? undefined : deadlinePlan(left);
  const check = (): void => {
    const now = context.getRemainingTimeInMillis?.();
    if (plan && now !== undefined && now <= plan.reserveMs && !controller.signal.aborted) {
      console.log(
        JSON.stringify({
          level: 'warn',
          type: 'lambda.deadline',
          message: `${now} ms left: no new work; starting stopped instances again`,
        }),
      );
      controller.abort();
    }
  };
  const timer = plan ? setInterval(check, LAMBDA_DEFAULTS.checkEveryMs) : undefined;
  const clients = makeAwsClients();
  const scheduler = new ApiScheduler({ signal: controller.signal });
  const api = new SdkEc2(clients, scheduler);
  const notifier = new SdkSns(clients);
  const jobs: JobResult[] = [];
  try {
    const parsed = parseEvent(event);
    check();
    for (const job of parsed) {
      if (controller.signal.aborted) {
        jobs.push({
          action: job.action,
          ok: false,
          summary: `${job.action} not started: the function's time was running out`,
          error: { code: 'INTERRUPTED', message: "not started: the function's time was running out" },
        });
        continue;
      }
      jobs.push(await runJob(job, api, notifier, controller.signal, plan?.restartTimeoutMs));
    }
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
    if (timer) clearInterval(timer);
    clients.destroy();
  }
}

function toError(err: unknown): CairnError {
  if (isCairnError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError')
    return new CairnError('INTERRUPTED', 'stopped before the Lambda timeout');
  return new CairnError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Runs one checked job; its outcome becomes `ok`. */
async function runJob(
  j: Job,
  api: SdkEc2,
  notifier: SdkSns,
  signal: AbortSignal,
  restartTimeoutMs: number | undefined,
): Promise<JobResult> {
  const ports = { api, notifier, reporter: logReporter };
  try {
    switch (j.action) {
      case 'create': {
        const r = await snapshotCreate({
          ...j.request,
          ...ports,
          signal,
          restartTimeoutMs: restartTimeoutMs ?? j.request.restartTimeoutMs,
        });
        const s = createSummary(r);
        return { action: j.action, ok: s.ok, summary: s.subject, result: r };
      }
      case 'trim': {
        const r = await snapshotTrim({ ...j.request, ...ports, signal });
        const s = trimSummary(r);
        return { action: j.action, ok: s.ok, summary: s.subject, result: r };
      }
      case 'copy': {
        const r = await snapshotCopy({ ...j.request, ...ports, signal });
        const s = copySummary(r);
        return { action: j.action, ok: s.ok, summary: s.subject, result: r };
      }
      case 'list': {
        const r = await snapshotList({ ...j.request, api, reporter: logReporter, signal });
        return {
          action: j.action,
          ok: r.outcome.status === 'ok',
          summary: `${r.series.length} series, ${staleLine(r.series) || 'none stale'}${r.regionErrors.length ? `, ${r.regionErrors.length} region(s) could not be used` : ''}`,
          result: r,
        };
      }
    }
  } catch (err) {
    const e = toError(err);
    return { action: j.action, ok: false, summary: `${j.action} failed: ${e.message}`, error: e.toJSON() };
  }
}
