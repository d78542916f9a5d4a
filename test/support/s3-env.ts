// The S3 server every test file shares: `npm test` starts one (test/support/rgw.ts)
// and hands its address and keys to the test processes through the environment.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

export interface S3TestConfig {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export const S3_TEST_ENV = {
  endpoint: 'CAIRN_TEST_S3_ENDPOINT',
  region: 'CAIRN_TEST_S3_REGION',
  accessKeyId: 'CAIRN_TEST_S3_ACCESS_KEY',
  secretAccessKey: 'CAIRN_TEST_S3_SECRET_KEY',
} as const;

/** The shared server's settings; throws when the tests were not started by `npm test`. */
export function s3TestConfig(env: NodeJS.ProcessEnv = process.env): S3TestConfig {
  const read = (name: string): string => {
    const value = env[name];
    if (!value) {
      throw new Error(
        `${name} is not set: tests need a real S3 server: run them with \`npm test\`, which starts one`,
      );
    }
    return value;
  };
  return {
    endpoint: read(S3_TEST_ENV.endpoint),
    region: read(S3_TEST_ENV.region),
    accessKeyId: read(S3_TEST_ENV.accessKeyId),
    secretAccessKey: read(S3_TEST_ENV.secretAccessKey),
  };
}

/** An SDK client for the shared server (path-style addressing), or for `endpoint` in front of it. */
export function s3TestClient(overrides: S3ClientConfig = {}): S3Client {
  const c = s3TestConfig();
  return new S3Client({
    endpoint: c.endpoint,
    region: c.region,
    forcePathStyle: true,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    ...overrides,
  });
}

/** Creates a bucket with a unique, valid name starting with `prefix`, and returns its name. */
export async function createTestBucket(prefix = 'cairn-test'): Promise<string> {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'cairn-test';
  const name = `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const s3 = s3TestClient();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    s3.destroy();
  }
  return name;
}
