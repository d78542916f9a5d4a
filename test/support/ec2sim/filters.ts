/**
 * Filters as EC2 applies them: values of one filter are ORed, filters are ANDed, `*` and `?` are
 * wildcards (a backslash escapes them), matching is case-sensitive, and unknown names are rejected.
 */
import { invalidValue } from './errors.js';
import type { Filter } from './query.js';

type FieldValue = string | number | boolean | undefined;
export type FieldGetter<T> = (r: T) => FieldValue | readonly FieldValue[];
export type FieldMap<T> = Record<string, FieldGetter<T>>;

const patternCache = new Map<string, RegExp>();

export function wildcard(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) src += escapeRe(pattern[++i] as string);
    else if (c === '*') src += '[\\s\\S]*';
    else if (c === '?') src += '[\\s\\S]';
    else src += escapeRe(c);
  }
  re = new RegExp(`^${src}$`);
  patternCache.set(pattern, re);
  return re;
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function valuesOf<T>(getter: FieldGetter<T>, r: T): string[] {
  const v = getter(r);
  const arr = Array.isArray(v) ? (v as readonly FieldValue[]) : [v as FieldValue];
  return arr.filter((x): x is string | number | boolean => x !== undefined).map(String);
}

/** Checks the filter names up front, then returns a predicate. */
export function compileFilters<T extends { tags: ReadonlyMap<string, string> }>(
  filters: readonly Filter[],
  fields: FieldMap<T>,
): (r: T) => boolean {
  const tests = filters.map((f) => {
    const patterns = f.values.map(wildcard);
    const any = (vals: string[]): boolean => vals.some((v) => patterns.some((p) => p.test(v)));
    if (f.name.startsWith('tag:')) {
      const key = f.name.slice(4);
      return (r: T): boolean => {
        const v = r.tags.get(key);
        return v !== undefined && any([v]);
      };
    }
    if (f.name === 'tag-key') return (r: T): boolean => any([...r.tags.keys()]);
    if (f.name === 'tag-value') return (r: T): boolean => any([...r.tags.values()]);
    const getter = fields[f.name];
    if (!getter) throw invalidValue(`The filter '${f.name}' is invalid`);
    return (r: T): boolean => any(valuesOf(getter, r));
  });
  return (r) => tests.every((t) => t(r));
}
