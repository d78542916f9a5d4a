import { CairnError, isCairnError } from '../core/errors.js';

interface AwsLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function details(err: unknown): { name: string; status: number | undefined; message: string } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsLikeError;
  return {
    name: e.Code ?? e.name ?? e.code ?? 'Error',
    status: e.$metadata?.httpStatusCode,
    message: e.message ?? String(err),
  };
}

export function isNotFound(err: unknown): boolean {
  const { name, status } = details(err);
  return name === 'NotFound' || name === 'NoSuchKey' || status === 404;
}

/** A conditional write refused (If-None-Match: the name exists). */
export function isPreconditionFailed(err: unknown): boolean {
  const { name, status } = details(err);
  return name === 'PreconditionFailed' || status === 412;
}

/** A create refused because the name holds other bytes than the ones written. */
export function conflictingObject(doing: string, cause?: unknown): CairnError {
  return new CairnError('CONFLICT', `${doing}: another object of that name exists already`, {
    cause,
    hint: 'names are written once; nothing was replaced',
  });
}

/** Transient: worth retrying later (server down, throttled, 5xx). */
export function isTransient(err: unknown): boolean {
  if (isCairnError(err)) return err.code === 'UNAVAILABLE';
  const { name, status } = details(err);
  const code = (err as { code?: string }).code;
  return (
    (code !== undefined && NETWORK.has(code)) ||
    NETWORK.has(name) ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    name === 'SlowDown' ||
    name === 'ServiceUnavailable' ||
    name === 'InternalError' ||
    (status !== undefined && status >= 500)
  );
}

const KMS_HINT =
  "check --sse-kms-key-id: the key must exist in the bucket's region, be enabled, and allow these credentials kms:GenerateDataKey and kms:Decrypt";

/** Maps an S3 SDK error to a CairnError naming what was being done. */
export function mapS3Error(err: unknown, doing: string, bucket: string): CairnError {
  if (isCairnError(err)) return err;
  const { name, status, message } = details(err);
  if (name === 'AbortError') return new CairnError('INTERRUPTED', `${doing}: interrupted`, { cause: err });
  if (name === 'NoSuchBucket') {
    return new CairnError('NOT_FOUND', `${doing}: bucket "${bucket}" does not exist`, {
      cause: err,
      hint: `create it first (aws s3 mb s3://${bucket}) or check the target`,
    });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message)) {
    return new CairnError('ACCESS', `${doing}: no AWS credentials found`, {
      cause: err,
      hint: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run on an instance with a role',
    });
  }
  if (name.startsWith('KMS')) {
    return new CairnError('ACCESS', `${doing}: the KMS key cannot be used (${name}: ${message})`, {
      cause: err,
      hint: KMS_HINT,
    });
  }
  if (
    name === 'AccessDenied' ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'AllAccessDisabled' ||
    status === 403
  ) {
    return new CairnError('ACCESS', `${doing}: access denied to bucket "${bucket}" (${name})`, {
      cause: err,
      hint: 'check the credentials and the bucket policy (see `cairn iam-policy`)',
    });
  }
  if (name === 'XAmzContentSHA256Mismatch' || name === 'BadDigest') {
    return new CairnError(
      'INTEGRITY',
      `${doing}: the server received other bytes than were hashed (${name})`,
      {
        cause: err,
        hint: 'the file changed while it was being stored, or the network corrupted it; it will be sent again',
      },
    );
  }
  if (name === 'PreconditionFailed' || status === 412) {
    return new CairnError('CONFLICT', `${doing}: the object already exists`, { cause: err });
  }
  if (isNotFound(err)) return new CairnError('NOT_FOUND', `${doing}: not found`, { cause: err });
  if (isTransient(err)) {
    return new CairnError('UNAVAILABLE', `${doing}: storage unavailable (${name}: ${message})`, {
      cause: err,
      hint: 'check the endpoint and the network; cairn retries transient failures',
    });
  }
  return new CairnError('INTERNAL', `${doing}: ${name}: ${message}`, { cause: err });
}

/**
 * A write refused while objects are encrypted with a KMS key is often the key's
 * fault (missing, disabled, not granted), whatever code the server chose: say so.
 */
export function withKmsContext(e: CairnError, kmsKeyId: string | undefined): CairnError {
  if (!kmsKeyId || e.message.includes('KMS key')) return e;
  if (e.code !== 'ACCESS' && !/InvalidArgument|InvalidRequest/.test(e.message)) return e;
  return new CairnError('ACCESS', `${e.message} (objects are encrypted with KMS key "${kmsKeyId}")`, {
    cause: e.cause,
    hint: KMS_HINT,
  });
}
