/**
 * The one error type cairn raises on purpose. Every failure a user can cause or
 * meet (bad input, missing target, denied access) is a CairnError with a stable
 * code, a one-line message and a hint. The CLI and the Lambda handler map these
 * to exit codes / results in exactly one place each.
 */
export type ErrorCode =
  | 'USAGE' // bad flag or argument
  | 'CONFIG' // invalid config file
  | 'NOT_FOUND' // a path, object, bucket or point in time that does not exist
  | 'ACCESS' // permission denied (local or remote)
  | 'UNAVAILABLE' // storage or API unreachable after retries
  | 'CONFLICT' // another process holds a lock, or an object changed under us
  | 'INTEGRITY' // a hash or size does not match, a hostile manifest
  | 'NO_SPACE' // destination full
  | 'PARTIAL' // some items failed, the rest succeeded
  | 'INTERRUPTED' // stopped by a signal
  | 'COMMAND_FAILED' // a command whose output was to be stored failed
  | 'INTERNAL';

export interface CairnErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
}

export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.code = code;
    this.hint = options.hint;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string } {
    return this.hint
      ? { code: this.code, message: this.message, hint: this.hint }
      : { code: this.code, message: this.message };
  }
}

export function isCairnError(err: unknown): err is CairnError {
  return err instanceof CairnError;
}

/** Node's system errors carry a string `code` such as ENOENT. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/** Turn a filesystem error into a CairnError that names the path and says what to do. */
export function fromFsError(err: unknown, path: string, doing: string): CairnError {
  if (isCairnError(err)) return err;
  const code = errnoCode(err);
  switch (code) {
    case 'ENOENT':
      return new CairnError('NOT_FOUND', `${doing}: ${path} does not exist`, {
        cause: err,
        hint: 'check the path',
      });
    case 'EACCES':
    case 'EPERM':
      return new CairnError('ACCESS', `${doing}: permission denied on ${path}`, {
        cause: err,
        hint: 'run as a user that can read/write it, or fix its permissions',
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new CairnError('NO_SPACE', `${doing}: no space left on the device holding ${path}`, {
        cause: err,
        hint: 'free space or choose another destination',
      });
    case 'EROFS':
      return new CairnError('ACCESS', `${doing}: ${path} is on a read-only filesystem`, { cause: err });
    case 'ENOTDIR':
      return new CairnError('USAGE', `${doing}: ${path} is not a directory`, { cause: err });
    case 'EISDIR':
      return new CairnError('USAGE', `${doing}: ${path} is a directory`, { cause: err });
    default:
      return new CairnError(
        'INTERNAL',
        `${doing}: ${path}: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
  }
}
