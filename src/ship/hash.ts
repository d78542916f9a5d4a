import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal }))
    h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Small files are read once: the same buffer is hashed and uploaded. */
export async function readAndHash(path: string): Promise<{ body: Buffer; sha256: string }> {
  const body = await readFile(path);
  return { body, sha256: createHash('sha256').update(body).digest('hex') };
}
