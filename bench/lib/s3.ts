// The S3 server for benchmarks: the one named by CAIRN_TEST_S3_* if set (as for
// the tests), else a RADOS Gateway started here and stopped at the end.
//
// RGW frees the data of deleted multipart objects only in its garbage
// collection, two hours later by default, and the test cluster's disk is 10 GiB:
// so after each tool's run its bucket is emptied and, when the cluster's
// ceph.conf is known (always for a gateway started here; CAIRN_BENCH_CEPH_CONF
// for another), the collection is run at once.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { startRgw } from '../../test/support/rgw.js';
import { createTestBucket, s3TestClient, s3TestConfig, S3_TEST_ENV } from '../../test/support/s3-env.js';
import type { S3TestConfig } from '../../test/support/s3-env.js';

// As bin/cairn.js does: the SDK's notice about its future minimum Node.js version is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface BenchS3 {
  config: S3TestConfig;
  /** Where it came from, for the report. */
  origin: string;
  newBucket(prefix: string): Promise<string>;
  /** Deletes the bucket with everything in it and gives the space back; returns what it held. */
  discard(bucket: string): Promise<{ objects: number; bytes: number }>;
  stop(): Promise<void>;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

export async function openBenchS3(): Promise<BenchS3> {
  let stopServer = async (): Promise<void> => {};
  let cephConf = process.env.CAIRN_BENCH_CEPH_CONF;
  let origin: string;
  if (process.env[S3_TEST_ENV.endpoint]) {
    origin = `${process.env[S3_TEST_ENV.endpoint]} (from ${S3_TEST_ENV.endpoint})`;
  } else {
    say('starting a Ceph RADOS Gateway (test/support/rgw.ts)...');
    const base = mkdtempSync(join(tmpdir(), 'cairn-bench-rgw-'));
    const server = await startRgw({ dir: base, log: (l) => say(`  rgw: ${l}`) }).catch((err: unknown) => {
      rmSync(base, { recursive: true, force: true });
      throw err;
    });
    process.env[S3_TEST_ENV.endpoint] = server.endpoint;
    process.env[S3_TEST_ENV.region] = server.region;
    process.env[S3_TEST_ENV.accessKeyId] = server.accessKeyId;
    process.env[S3_TEST_ENV.secretAccessKey] = server.secretAccessKey;
    const cluster = readdirSync(base).find((n) => n.startsWith('cairn-rgw-'));
    if (cluster) cephConf = join(base, cluster, 'ceph.conf');
    origin = `${server.endpoint} (RADOS Gateway started by the benchmark)`;
    stopServer = async () => {
      await server.stop();
      rmSync(base, { recursive: true, force: true });
    };
  }
  if (cephConf && !existsSync(cephConf)) cephConf = undefined;
  let warned = false;

  const reclaim = async (): Promise<void> => {
    if (!cephConf) {
      if (!warned) {
        say(
          'note: deleted multipart data stays on the server until its garbage collection (2 h by default in RGW); ' +
            'set CAIRN_BENCH_CEPH_CONF to its ceph.conf to reclaim it after each run',
        );
      }
      warned = true;
      return;
    }
    await promisify(execFile)(
      'radosgw-admin',
      ['-c', cephConf, '-n', 'client.admin', 'gc', 'process', '--include-all'],
      { timeout: 300_000 },
    );
  };

  return {
    config: s3TestConfig(),
    origin,
    newBucket: (prefix) => createTestBucket(prefix),
    async discard(bucket) {
      const s3 = s3TestClient();
      const held = { objects: 0, bytes: 0 };
      try {
        for (let token: string | undefined; ;) {
          const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
          const keys = (res.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
          held.objects += keys.length;
          for (const o of res.Contents ?? []) held.bytes += o.Size ?? 0;
          if (keys.length)
            await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
          if (!res.IsTruncated) break;
          token = res.NextContinuationToken;
        }
        const ups = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        for (const u of ups.Uploads ?? []) {
          await s3.send(
            new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
          );
        }
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      } finally {
        s3.destroy();
      }
      await reclaim();
      return held;
    },
    stop: () => stopServer(),
  };
}
