import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Small files are read once: the same buffer is hashed and uploaded. */
export async function readAndHash(path: string): Promise<{ body: Buffer; sha256: string }> {
  const body = await readFile(path);
  return { body, sha256: createHash('sha256').update(body).digest('hex') };
}
