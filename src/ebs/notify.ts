import { CairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { awsMessage } from '../aws/aws-errors.js';
import type { Notifier } from './ports.js';

export interface NotifyTargets {
  /** Topic for a run that succeeded (and for failures when no error topic is set). */
  onSuccess?: string | undefined;
  /** Topic for a run with failures. */
  onError?: string | undefined;
}

const ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+$/;

/** `sns:arn:aws:sns:…` or a bare topic ARN → the ARN. */
export function parseTopic(spec: string, flag = '--notify'): string {
  const arn =
    spec.startsWith('sns:') && !spec.startsWith('sns:arn') ? spec : spec.replace(/^sns:(?=arn:)/, '');
  if (!ARN.test(arn)) {
    throw new CairnError('USAGE', `${flag} needs an SNS topic ARN, got "${spec}"`, {
      hint: `e.g. ${flag} sns:arn:aws:sns:us-east-1:123456789012:backups`,
    });
  }
  return arn;
}

export interface Summary {
  ok: boolean;
  subject: string;
  body: string;
}

/** Sends the summary to the right topic; a failure to notify is reported, never fatal. */
export async function sendSummary(
  notifier: Notifier | undefined,
  to: NotifyTargets,
  s: Summary,
  reporter: Reporter,
): Promise<{ topic: string; ok: boolean; error?: string } | undefined> {
  const topic = s.ok ? to.onSuccess : (to.onError ?? to.onSuccess);
  if (!topic || !notifier) return undefined;
  try {
    await notifier.publish(topic, s.subject, s.body);
    reporter.event({ level: 'debug', type: 'snapshot.notify', message: `notified ${topic}`, topic });
    return { topic, ok: true };
  } catch (err) {
    const error = awsMessage(err);
    reporter.event({
      level: 'warn',
      type: 'snapshot.notify',
      message: `could not notify ${topic}: ${error}`,
      topic,
    });
    return { topic, ok: false, error };
  }
}

/** At most `max` lines of a list, with a count of the rest. */
export function clip(lines: string[], max = 200): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), `… and ${lines.length - max} more`];
}
