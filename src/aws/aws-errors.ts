import { CairnError } from '../core/errors.js';

/** The error code of an AWS SDK error (`RequestLimitExceeded`, `InvalidSnapshot.NotFound`, …). */
export function awsCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { Code?: unknown; code?: unknown; name?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return undefined;
}

export function httpStatus(err: unknown): number | undefined {
  const m = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return m?.httpStatusCode;
}

const THROTTLE = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);

/** The request was refused for its rate and not carried out: safe to send again. */
export function isThrottle(err: unknown): boolean {
  const c = awsCode(err);
  return c !== undefined && THROTTLE.has(c);
}

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * A failure after which the request may or may not have been carried out (5xx, a dropped
 * connection, a timeout). A creating call must look before it sends again.
 */
export function isTransient(err: unknown): boolean {
  if (isThrottle(err)) return false;
  const c = awsCode(err);
  if (
    c &&
    [
      'InternalError',
      'InternalFailure',
      'ServiceUnavailable',
      'Unavailable',
      'TimeoutError',
      'RequestTimeout',
    ].includes(c)
  )
    return true;
  if (c && NETWORK.has(c)) return true;
  const errno = (err as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && NETWORK.has(errno)) return true;
  const status = httpStatus(err);
  return status !== undefined && status >= 500;
}

export function isAccessDenied(err: unknown): boolean {
  const c = awsCode(err);
  return (
    c === 'UnauthorizedOperation' ||
    c === 'AuthFailure' ||
    c === 'AccessDenied' ||
    c === 'AccessDeniedException' ||
    c === 'AuthorizationError' ||
    c === 'InvalidClientTokenId' ||
    c === 'OptInRequired'
  );
}

export function awsMessage(err: unknown): string {
  const code = awsCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** An AWS failure as a CairnError: access denied, unavailable, or the service's own message. */
export function fromAwsError(err: unknown, doing: string): CairnError {
  if (err instanceof CairnError) return err;
  if (isAccessDenied(err)) {
    return new CairnError('ACCESS', `${doing}: access denied (${awsMessage(err)})`, {
      cause: err,
      hint: 'grant the actions `cairn iam-policy` lists for this command, or check the credentials and region',
    });
  }
  if (isTransient(err) || isThrottle(err)) {
    return new CairnError('UNAVAILABLE', `${doing}: ${awsMessage(err)}`, {
      cause: err,
      hint: 'the EC2 API did not answer; try again later',
    });
  }
  if (awsCode(err) === 'CredentialsProviderError' || /credential/i.test(awsMessage(err))) {
    return new CairnError('ACCESS', `${doing}: no AWS credentials (${awsMessage(err)})`, {
      cause: err,
      hint: 'set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an instance role',
    });
  }
  return new CairnError('INTERNAL', `${doing}: ${awsMessage(err)}`, { cause: err });
}
