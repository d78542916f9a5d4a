import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { isIP } from 'node:net';

/** Settings for S3 and S3-compatible servers; each is optional. */
export interface S3Settings {
  region?: string | undefined;
  endpoint?: string | undefined;
  forcePathStyle?: boolean | undefined;
  sse?: 'AES256' | 'aws:kms' | undefined;
  kmsKeyId?: string | undefined;
  /** Parallel part uploads per large file. */
  partConcurrency?: number | undefined;
  /** Smallest multipart part; larger files get larger parts (at most 10,000 parts). */
  partSizeBytes?: number | undefined;
  /**
   * A connection that moves no byte for this long is given up, and the request
   * retried: a server that accepts requests and never answers (a full Ceph
   * cluster pauses writes so) must not stall a run for ever.
   */
  requestTimeoutMs?: number | undefined;
}

export const S3_DEFAULTS = {
  region: 'us-east-1',
  partConcurrency: 4,
  partSizeBytes: 8 * 1024 * 1024,
  /** S3's smallest part: a stream (an archive) holds (parts in flight + 1) parts in memory. */
  streamPartSizeBytes: 5 * 1024 * 1024,
  maxAttempts: 4,
  requestTimeoutMs: 120_000,
  connectionTimeoutMs: 30_000,
} as const;

export interface ResolvedS3Settings extends S3Settings {
  region: string;
  forcePathStyle: boolean;
  partConcurrency: number;
  partSizeBytes: number;
  /** The first parts of a stream of unknown length: partSizeBytes when it is set, else S3's smallest. */
  streamPartSizeBytes: number;
  requestTimeoutMs: number;
}

/** Path-style addressing is needed for IP addresses and localhost, where bucket subdomains cannot resolve. */
export function needsPathStyle(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost');
  } catch {
    return false;
  }
}

/** Fills in defaults from the SDK's standard environment variables. */
export function resolveS3Settings(s: S3Settings, env: NodeJS.ProcessEnv = process.env): ResolvedS3Settings {
  const endpoint = s.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    ...s,
    endpoint,
    region: s.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? S3_DEFAULTS.region,
    forcePathStyle: s.forcePathStyle ?? needsPathStyle(endpoint),
    partConcurrency: s.partConcurrency ?? S3_DEFAULTS.partConcurrency,
    partSizeBytes: s.partSizeBytes ?? S3_DEFAULTS.partSizeBytes,
    streamPartSizeBytes: s.partSizeBytes ?? S3_DEFAULTS.streamPartSizeBytes,
    requestTimeoutMs: s.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs,
  };
}

/** `extra` is for callers that bring their own credentials (tests, embedding apps). */
export function makeS3Client(s: ResolvedS3Settings, extra: S3ClientConfig = {}): S3Client {
  return new S3Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    forcePathStyle: s.forcePathStyle,
    followRegionRedirects: true,
    maxAttempts: S3_DEFAULTS.maxAttempts,
    // An idle timeout, not a total one: a large part on a slow link may take long, but moves bytes.
    requestHandler: {
      socketTimeout: s.requestTimeoutMs,
      connectionTimeout: Math.min(s.requestTimeoutMs, S3_DEFAULTS.connectionTimeoutMs),
    },
    // Checksums only where S3 requires them: S3-compatible servers reject or
    // mis-store the aws-chunked bodies the SDK would otherwise send.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  });
}
