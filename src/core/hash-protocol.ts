/** Messages between HashPool and its threads (hash-worker.ts). */
export type HashJob =
  | { id: number; op: 'hash'; path: string; partSize?: number | undefined }
  | { id: number; op: 'copy'; src: string; dest: string };

export type HashReply =
  | { id: number; ok: true; sha256: string; bytes: number; parts?: string[] }
  | {
      id: number;
      ok: false;
      error: { name: string; message: string; code?: string; syscall?: string; path?: string };
    };

export interface HashResult {
  sha256: string;
  bytes: number;
  /** SHA-256 of each part, when hashed with a part size. */
  parts?: string[] | undefined;
}
