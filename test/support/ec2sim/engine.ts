/** One API call from arrival to response: latency, access checks, faults, throttling, handler, record. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimClock } from './clock.js';
import type { ActionDef, Ctx } from './context.js';
import { SimError, statusForCode } from './errors.js';
import { copyActions } from './handlers/copy.js';
import { imageActions } from './handlers/images.js';
import { instanceActions } from './handlers/instances.js';
import { regionActions } from './handlers/regions.js';
import { snapshotActions } from './handlers/snapshots.js';
import { snsActions } from './handlers/sns.js';
import { tagActions } from './handlers/tags.js';
import { volumeActions } from './handlers/volumes.js';
import { bucketSpec, type Ec2SimOptions } from './options.js';
import { parseQuery, type QMap } from './query.js';
import type { SimState } from './state.js';
import { RateLimiter } from './tokenBucket.js';
import type { RecordedCall, SnsMessage } from './types.js';
import { ec2Error, ec2Response, snsError, snsResponse } from './xml.js';

export type Service = 'ec2' | 'sns';

const ACTIONS: Record<Service, Record<string, ActionDef>> = {
  ec2: {
    ...regionActions,
    ...instanceActions,
    ...volumeActions,
    ...snapshotActions,
    ...copyActions,
    ...tagActions,
    ...imageActions,
  },
  sns: snsActions,
};

export const supportedActions = (service: Service): string[] => Object.keys(ACTIONS[service]);

export interface Incoming {
  service: Service;
  region: string;
  params: Record<string, string>;
}

export interface Outgoing {
  status: number;
  body: string;
  requestId: string;
  errorCode?: string;
}

export class Engine {
  readonly calls: RecordedCall[] = [];
  readonly published: SnsMessage[] = [];
  readonly limiter: RateLimiter;

  constructor(
    public opts: Ec2SimOptions,
    readonly state: SimState,
    readonly clock: SimClock,
  ) {
    this.limiter = new RateLimiter(
      (cls) => bucketSpec(this.opts, cls),
      () => this.opts.bucketScope,
    );
  }

  async handle(req: Incoming): Promise<Outgoing> {
    const started = Date.now();
    const { Action: action = '', Version: _version, ...params } = req.params;
    const call: RecordedCall = {
      action,
      region: req.region,
      service: req.service,
      at: started,
      params,
      status: 0,
    };
    this.calls.push(call);
    if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
    const requestId = randomUUID();
    let out: Outgoing;
    try {
      const body = this.run(req, action, requestId);
      out = { status: 200, body, requestId };
    } catch (err) {
      const e = err instanceof SimError ? err : new SimError('InternalError', String(err), 500);
      const body =
        req.service === 'sns'
          ? snsError(e.code, e.message, requestId, e.status)
          : ec2Error(e.code, e.message, requestId);
      out = { status: e.status, body, requestId, errorCode: e.code };
    }
    call.status = out.status;
    if (out.errorCode) call.errorCode = out.errorCode;
    call.durationMs = Date.now() - started;
    return out;
  }

  private run(req: Incoming, action: string, requestId: string): string {
    const { service, region } = req;
    if (!this.opts.regions.includes(region)) {
      throw service === 'sns'
        ? new SimError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
        : new SimError('AuthFailure', 'AWS was not able to validate the provided access credentials');
    }
    const def = ACTIONS[service][action];
    if (!def) throw new SimError('InvalidAction', `The action ${action} is not valid for this web service.`);
    if (this.opts.denyRegions.includes(region) || this.opts.denyActions.includes(action)) {
      throw service === 'sns'
        ? new SimError('AuthorizationError', `User is not authorized to perform: SNS:${action}`)
        : new SimError('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    }
    this.injectFault(action, region);
    const p: QMap = parseQuery(req.params);
    if (service === 'ec2' && this.opts.rateLimits) {
      const cls = typeof def.cls === 'function' ? def.cls(p) : def.cls;
      if (!this.limiter.allow(region, action, cls))
        throw new SimError('RequestLimitExceeded', 'Request limit exceeded.');
    }
    this.state.settle();
    if (p.DryRun === 'true') {
      throw new SimError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    }
    const ctx: Ctx = {
      action,
      region,
      requestId,
      p,
      state: this.state,
      opts: this.opts,
      now: this.clock.now(),
      published: this.published,
    };
    const body = def.handler(ctx);
    return service === 'sns' ? snsResponse(action, requestId, body) : ec2Response(action, requestId, body);
  }

  private injectFault(action: string, region: string): void {
    const i = this.opts.faults.findIndex(
      (f) =>
        (f.action === action || f.action === '*') && (!f.region || f.region === region) && (f.count ?? 1) > 0,
    );
    const f = this.opts.faults[i];
    if (!f) return;
    f.count = (f.count ?? 1) - 1;
    if (f.count <= 0) this.opts.faults.splice(i, 1);
    throw new SimError(f.code, f.message ?? `Injected fault: ${f.code}`, f.status ?? statusForCode(f.code));
  }
}
