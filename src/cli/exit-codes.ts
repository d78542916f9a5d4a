import type { ErrorCode } from '../core/errors.js';

/** The one mapping from error codes to process exit codes. */
export const EXIT: Record<ErrorCode, number> = {
  INTERNAL: 1,
  USAGE: 2,
  CONFIG: 2,
  PARTIAL: 3,
  NOT_FOUND: 4,
  ACCESS: 5,
  UNAVAILABLE: 6,
  CONFLICT: 7,
  INTEGRITY: 8,
  NO_SPACE: 9,
  COMMAND_FAILED: 10,
  INTERRUPTED: 130,
};
