/** What an archive is made of, in the order the includes were called. */
export type ArchiveSource =
  | { kind: 'dir'; path: string; name?: string | undefined; preservePaths: boolean }
  | { kind: 'file'; path: string; name: string }
  | {
      kind: 'command';
      name: string;
      argv: string[];
      cwd?: string | undefined;
      env?: NodeJS.ProcessEnv | undefined;
    };

/** One entry of the archive. `name` is '/'-separated, relative, without a trailing slash. */
export type ArchiveEntry =
  | { type: 'dir'; name: string; mode: number; mtime: Date; uid?: number; gid?: number }
  | {
      type: 'symlink';
      name: string;
      mode: number;
      mtime: Date;
      target: string;
      uid?: number;
      gid?: number;
    }
  | {
      type: 'file';
      name: string;
      mode: number;
      mtime: Date;
      size: number;
      path: string;
      uid: number;
      gid: number;
    }
  | {
      type: 'command';
      name: string;
      mode: number;
      mtime: Date;
      argv: string[];
      cwd?: string | undefined;
      env?: NodeJS.ProcessEnv | undefined;
    };
