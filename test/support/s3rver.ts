import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';

/** s3rver on a random loopback port: a second, looser S3 implementation cairn must also store correctly on. */
export async function startS3rver(): Promise<{
  endpoint: string;
  bucket(name?: string): Promise<string>;
  stop(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const addr = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  let n = 0;
  return {
    endpoint,
    async bucket(name = `b${process.pid}-${n++}`) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
