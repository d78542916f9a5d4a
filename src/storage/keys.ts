import { CairnError } from '../core/errors.js';

/** Object keys are relative '/'-paths without empty, '.' or '..' segments. */
export function checkKey(key: string): string[] {
  const parts = key.split('/');
  if (key === '' || key.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new CairnError('INTERNAL', `invalid object key "${key}"`);
  }
  return parts;
}

export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
