/** What a handler gets, and how actions are declared. */
import type { ActionClass, Ec2SimOptions } from './options.js';
import { filters, list, type QMap } from './query.js';
import type { SimState } from './state.js';
import type { SnsMessage } from './types.js';

export interface Ctx {
  action: string;
  region: string;
  requestId: string;
  /** Parameters as a tree (`p.Filter[0].Value[1]`). */
  p: QMap;
  state: SimState;
  opts: Ec2SimOptions;
  /** Simulated time of this call. */
  now: number;
  published: SnsMessage[];
}

/** Returns the response body inside `<ActionResponse>` (EC2) or `<ActionResult>` (SNS). */
export type Handler = (ctx: Ctx) => string;

export interface ActionDef {
  handler: Handler;
  cls: ActionClass | ((p: QMap) => ActionClass);
}

/** A Describe* call is "filtered or paginated" when it names filters, IDs, MaxResults or NextToken. */
export const describeClass =
  (...idLists: string[]) =>
  (p: QMap): ActionClass =>
    filters(p).length > 0 ||
    p.MaxResults !== undefined ||
    p.NextToken !== undefined ||
    idLists.some((k) => list(p, k).length > 0)
      ? 'describe'
      : 'describeUnfiltered';
