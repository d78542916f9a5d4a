/** SNS Publish: messages are recorded, never delivered. */
import { randomUUID } from 'node:crypto';
import type { ActionDef, Ctx } from '../context.js';
import { SimError } from '../errors.js';
import { maps, str } from '../query.js';
import { el } from '../xml.js';

function publish(ctx: Ctx): string {
  const topicArn = str(ctx.p, 'TopicArn') ?? str(ctx.p, 'TargetArn');
  const message = str(ctx.p, 'Message');
  if (!topicArn)
    throw new SimError(
      'InvalidParameter',
      'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
    );
  if (message === undefined)
    throw new SimError(
      'InvalidParameter',
      'Invalid parameter: Message Reason: no value for required parameter',
    );
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/.test(topicArn)) {
    throw new SimError('InvalidParameter', 'Invalid parameter: TopicArn');
  }
  if (ctx.opts.snsTopics.length > 0 && !ctx.opts.snsTopics.includes(topicArn)) {
    throw new SimError('NotFound', 'Topic does not exist');
  }
  const attributes: Record<string, string> = {};
  const attrs = ctx.p.MessageAttributes;
  for (const entry of maps(attrs, 'entry')) {
    const name = str(entry, 'Name');
    const value = entry.Value;
    const v =
      value && typeof value === 'object' && !Array.isArray(value) ? (str(value, 'StringValue') ?? '') : '';
    if (name) attributes[name] = v;
  }
  const messageId = randomUUID();
  ctx.published.push({
    region: ctx.region,
    topicArn,
    message,
    subject: str(ctx.p, 'Subject'),
    messageId,
    attributes,
    at: Date.now(),
  });
  return el('MessageId', messageId);
}

export const snsActions: Record<string, ActionDef> = {
  Publish: { handler: publish, cls: 'mutating' },
};
