import type { z } from 'zod';
import { CairnError } from './errors.js';

export interface ParseContext {
  /** What is being checked, e.g. `snapshot create`, as the message's prefix ('' for none). */
  what: string;
  hint: string;
  /**
   * How the caller names a request key (`selection.instanceIds` → `--instances`), so that the
   * message speaks the caller's language: flags for the CLI, payload keys for the Lambda.
   */
  names?: Readonly<Record<string, string>> | undefined;
}

function keyOf(path: readonly PropertyKey[], names: ParseContext['names']): string {
  const key = path
    .filter((p) => typeof p !== 'number')
    .map(String)
    .join('.');
  if (!key) return '(request)';
  return names?.[key] ?? key;
}

/**
 * Checks a request against its schema. The first problem becomes one line naming the key:
 * a USAGE CairnError with a hint, never a zod dump.
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, c: ParseContext): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const line = first
    ? `${keyOf(first.path, c.names)}: ${first.message.replace(/\s*\n\s*/g, ' ')}`
    : 'invalid';
  throw new CairnError('USAGE', `${c.what ? `${c.what}: ` : ''}${line}${more}`, { hint: c.hint });
}
