import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestBucket, s3TestConfig } from './s3-env.js';

export interface TestTarget {
  name: string;
  /** A fresh, empty target string for the CLI. */
  make(): Promise<string>;
  /** Environment the CLI needs to reach it. */
  env(): NodeJS.ProcessEnv;
}

export const localTarget: TestTarget = {
  name: 'local',
  make: async () => join(await mkdtemp(join(tmpdir(), 'cairn-repo-')), 'repo'),
  env: () => ({}),
};

export const s3Target: TestTarget = {
  name: 's3',
  make: async () => `s3://${await createTestBucket('ship')}/backups`,
  env: () => {
    const c = s3TestConfig();
    return {
      AWS_ENDPOINT_URL_S3: c.endpoint,
      AWS_REGION: c.region,
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    };
  },
};

export const allTargets = [localTarget, s3Target];
