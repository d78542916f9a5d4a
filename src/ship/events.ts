import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { CairnError } from '../core/errors.js';
import { firstNotUtf8 } from '../core/utf8-names.js';

/**
 * What the filesystem told us about one path; or, for a path holding a name
 * that is not valid UTF-8 (which cannot be shipped), that name (escaped), the
 * directory holding it, and whether it names a directory.
 */
export type FsEvent =
  | { kind: 'closed-write' | 'moved-in' | 'created' | 'removed' | 'dir-created' | 'overflow'; path: string }
  /** A watched path itself was deleted or moved away: its watches no longer see what is at its name. */
  | { kind: 'root-changed'; path: string }
  | { kind: 'not-utf8'; dir: string; name: string; isDirectory: boolean };

/** A source of filesystem events for the watched paths. */
export interface EventSource {
  /** Resolves once every watch is in place: events after this are not missed. */
  ready: Promise<void>;
  /** Rejects if the source fails after start. */
  done: Promise<void>;
  close(): void;
}

function classify(
  events: string[],
  path: string,
  roots: readonly string[],
): Exclude<FsEvent, { kind: 'not-utf8' }> | undefined {
  const has = (e: string): boolean => events.includes(e);
  if (has('Q_OVERFLOW')) return { kind: 'overflow', path };
  if (has('DELETE_SELF') || has('MOVE_SELF')) {
    // For the watched directory itself %f is empty: the path is the directory with a trailing '/'.
    // The same events of subdirectories (watched with -r) come with their DELETE or MOVED_FROM.
    const self = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    return roots.includes(self) ? { kind: 'root-changed', path: self } : undefined;
  }
  if (has('ISDIR')) return has('CREATE') || has('MOVED_TO') ? { kind: 'dir-created', path } : undefined;
  if (has('CLOSE_WRITE')) return { kind: 'closed-write', path };
  if (has('MOVED_TO')) return { kind: 'moved-in', path };
  if (has('CREATE')) return { kind: 'created', path };
  if (has('DELETE') || has('MOVED_FROM')) return { kind: 'removed', path };
  return undefined;
}

/**
 * inotify through `inotifywait` (inotify-tools): it reports IN_CLOSE_WRITE and
 * IN_MOVED_TO, which neither fs.watch nor chokidar expose, and adds watches for
 * new subdirectories itself with -r. Paths are NUL-terminated, so any file name is safe.
 */
export function inotifySource(
  paths: string[],
  recursive: boolean,
  onEvent: (e: FsEvent) => void,
  /** Directories (absolute) not to watch, nor anything under them. */
  leaveOut: readonly string[] = [],
): EventSource {
  const args = [
    '-m',
    ...(recursive ? ['-r'] : []),
    ...(leaveOut.length ? ['--exclude', `^(${leaveOut.map(escapeRegExp).join('|')})(/|$)`] : []),
    '--format',
    '%e %w%f%0',
    '--no-newline',
    '-e',
    'close_write',
    '-e',
    'moved_to',
    '-e',
    'create',
    '-e',
    'delete',
    '-e',
    'moved_from',
    // The watched paths themselves: removed, or moved away (and perhaps replaced by another).
    '-e',
    'delete_self',
    '-e',
    'move_self',
    '--',
    ...paths,
  ];
  let child: ChildProcess;
  try {
    child = spawn('inotifywait', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new CairnError('UNAVAILABLE', 'cannot start inotifywait', { cause: err });
  }
  let closing = false;
  let stderr = '';
  let resolveReady: () => void;
  let rejectReady: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => {
      const e =
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new CairnError('UNAVAILABLE', 'ship watch needs inotifywait, which is not installed', {
              hint: 'install inotify-tools (apt-get install inotify-tools), or use --finished quiet',
            })
          : new CairnError('UNAVAILABLE', `inotifywait failed: ${err.message}`, { cause: err });
      rejectReady(e);
      reject(e);
    });
    child.on('exit', (code, sig) => {
      if (closing) return resolve();
      const tail = stderr.trim().split('\n').slice(-2).join('; ');
      // Killed by a signal, it said nothing about the paths: the daemon, not its paths, needs seeing to.
      const e = sig
        ? new CairnError('UNAVAILABLE', `inotifywait was killed by ${sig}; nothing is watched`, {
            hint: 'start cairn ship watch again (systemd: Restart=on-failure); it ships what changed meanwhile',
          })
        : new CairnError('UNAVAILABLE', `inotifywait stopped (exit ${code}): ${tail}`, {
            hint: /max_user_watches|upper limit/.test(stderr)
              ? 'raise fs.inotify.max_user_watches (sysctl), or watch fewer directories'
              : 'check that the watched paths exist and are readable',
          });
      rejectReady(e);
      reject(e);
    });
  });
  done.catch(() => undefined);
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (stderr.length > 65536) stderr = stderr.slice(-8192);
    if (stderr.includes('Watches established')) resolveReady();
  });
  // Read as bytes: decoded as UTF-8, a name that is not valid UTF-8 would turn into another path.
  let buf: Buffer = Buffer.alloc(0);
  child.stdout?.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    let i: number;
    while ((i = buf.indexOf(0)) !== -1) {
      const line = buf.subarray(0, i);
      buf = buf.subarray(i + 1);
      const sp = line.indexOf(0x20);
      if (sp === -1) continue;
      const path = line.subarray(sp + 1);
      const ev = classify(line.subarray(0, sp).toString('latin1').split(','), path.toString('utf8'), paths);
      const event = ev && (isUtf8(path) ? ev : notUtf8(ev, path));
      if (event) onEvent(event);
    }
  });
  return {
    ready,
    done,
    close() {
      closing = true;
      child.kill('SIGTERM');
    },
  };
}

/**
 * An event for a path that is not valid UTF-8: what would have been shipped there is left out
 * instead, and the removal of what was never shipped is no news.
 */
function notUtf8(ev: Exclude<FsEvent, { kind: 'not-utf8' }>, path: Buffer): FsEvent | undefined {
  if (ev.kind === 'overflow') return ev;
  if (ev.kind === 'root-changed') return undefined; // a watched path is valid UTF-8: never one of them
  const bad = firstNotUtf8(path);
  if (!bad || ev.kind === 'removed') return undefined;
  return {
    kind: 'not-utf8',
    dir: bad.dir,
    name: bad.name,
    isDirectory: !bad.last || ev.kind === 'dir-created',
  };
}

/** `s` matched literally in a POSIX extended regular expression (inotifywait's --exclude). */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
