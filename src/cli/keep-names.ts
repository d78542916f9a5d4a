import { KEEP_RULES } from '../core/retention-request.js';

/**
 * How a request's `policy.RULE` keys are called to a user: the `--keep-RULE` flag and, where
 * the config file has a keep section, its key (`ship.keep`, `snapshot.keep`).
 */
export function keepFlagNames(configKey: string): Record<string, string> {
  return Object.fromEntries(
    [...KEEP_RULES, 'within'].map((k) => [`policy.${k}`, `--keep-${k} (or ${configKey}.${k})`]),
  );
}
