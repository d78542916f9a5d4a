import type { ObjectStore } from './object-store.js';
import { LocalStore } from './local-store.js';
import { S3Store } from './s3-store.js';
import { makeS3Client, resolveS3Settings } from './s3-client.js';
import type { S3Settings } from './s3-client.js';
import { defaultTargetString, parseTarget } from './target.js';

/** Opens the store for a target string (or the default target when none is given). */
export function openStore(target: string | undefined, s3: S3Settings = {}): ObjectStore {
  const t = parseTarget(target ?? defaultTargetString());
  if (t.kind === 'local') return new LocalStore(t.root);
  const settings = resolveS3Settings(s3);
  return new S3Store(makeS3Client(settings), t.bucket, t.prefix, settings);
}
