import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3TestClient } from './s3-env.js';

/** Removes a target a TestTarget made: the temp directory of a local one, or the whole test bucket. */
export async function removeTarget(target: string): Promise<void> {
  const m = /^s3:\/\/([^/]+)/.exec(target);
  if (!m?.[1]) {
    await rm(dirname(target), { recursive: true, force: true });
    return;
  }
  const Bucket = m[1];
  const s3 = s3TestClient();
  try {
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (!keys.length) break;
      await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket }));
  } finally {
    s3.destroy();
  }
}
