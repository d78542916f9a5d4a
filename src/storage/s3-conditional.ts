import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isNotFound } from './s3-errors.js';

/**
 * What a write-once create needs to read back: S3 answers 412 to a create
 * whose name exists, and that may be the create's own first attempt (stored,
 * its answer lost, then retried by the SDK). Only what is stored tells.
 */

/** The ETag S3 gives an object completed from parts with these ETags (MD5 of their MD5s, dash, count). */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5s = partEtags.map((e) => Buffer.from(e.replace(/"/g, ''), 'hex'));
  return `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${partEtags.length}`;
}

/** The stored object's ETag without quotes, or undefined when there is none. */
export async function storedEtag(client: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return (res.ETag ?? '').replace(/"/g, '');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Whether `key` holds exactly `body` (read back, at most body.length + 1 bytes). */
export async function storedEquals(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
): Promise<boolean> {
  let res;
  try {
    res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  if (!(res.Body instanceof Readable)) return false;
  if (res.ContentLength !== undefined && res.ContentLength !== body.length) {
    res.Body.destroy();
    return false;
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.Body) {
    n += (c as Buffer).length;
    if (n > body.length) {
      res.Body.destroy();
      return false;
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).equals(body);
}
