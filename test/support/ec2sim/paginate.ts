/** MaxResults / NextToken paging over resources ordered by creation sequence. */
import { invalidValue, SimError } from './errors.js';

export interface PageRules {
  min: number;
  max: number;
  /** Name of the ID list that cannot be combined with MaxResults, if any. */
  exclusiveWith?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

const encode = (seq: number): string => Buffer.from(JSON.stringify({ after: seq })).toString('base64url');

function decode(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'number') return parsed.after;
  } catch {
    // reported below
  }
  throw invalidValue(`Unable to parse pagination token: ${token}`);
}

/**
 * Without MaxResults every item comes back; with it, at most `max` (larger values are clamped) and a
 * token when more remain. MaxResults below `min` is an error, and so is MaxResults with an ID list.
 */
export function paginate<T extends { seq: number }>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  rules: PageRules,
  hasIds = false,
): Page<T> {
  if (maxResults !== undefined && hasIds && rules.exclusiveWith) {
    throw new SimError(
      'InvalidParameterCombination',
      `The parameter ${rules.exclusiveWith} cannot be used with the parameter maxResults`,
    );
  }
  if (maxResults !== undefined && maxResults < rules.min) {
    throw invalidValue(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Parameter must be between ${rules.min} and ${rules.max}.`,
    );
  }
  const after = nextToken ? decode(nextToken) : -1;
  const rest = after < 0 ? items : items.filter((i) => i.seq > after);
  if (maxResults === undefined) return { items: [...rest] };
  const size = Math.min(maxResults, rules.max);
  const page = rest.slice(0, size);
  const last = page[page.length - 1];
  return rest.length > size && last ? { items: page, nextToken: encode(last.seq) } : { items: page };
}
