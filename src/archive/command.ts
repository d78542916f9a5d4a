import { spawn } from 'node:child_process';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { CairnError } from '../core/errors.js';

/**
 * The standard output of a command as a stream that fails (instead of ending)
 * when the command cannot start or exits non-zero, naming the command and the
 * end of what it wrote to stderr. No shell is involved: argv is run as given.
 */
export function commandOutput(
  argv: string[],
  o: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined; signal?: AbortSignal | undefined } = {},
): Readable {
  const [cmd, ...args] = argv;
  const what = argv.join(' ');
  if (!cmd) throw new CairnError('USAGE', 'empty command');
  const child = spawn(cmd, args, {
    cwd: o.cwd,
    env: o.env ? { ...process.env, ...o.env } : process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: o.signal,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  const exited = new Promise<Error | undefined>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve(
        err.name === 'AbortError'
          ? new CairnError('INTERRUPTED', `interrupted while running "${what}"`)
          : new CairnError(
              err.code === 'ENOENT' ? 'NOT_FOUND' : 'COMMAND_FAILED',
              err.code === 'ENOENT'
                ? `command not found: ${cmd}`
                : `command "${what}" failed to start: ${err.message}`,
              { hint: 'check the command and the PATH' },
            ),
      ),
    );
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(undefined);
      const tail = stderr.trim().split('\n').slice(-1)[0];
      resolve(
        new CairnError(
          'COMMAND_FAILED',
          `command "${what}" ${signal ? `was killed by ${signal}` : `exited with ${code}`}${tail ? `: ${tail}` : ''}`,
          {
            hint: 'no archive was stored; fix the command and run again',
          },
        ),
      );
    });
  });
  const out = new Transform({
    transform(chunk: Buffer, _e, cb) {
      cb(null, chunk);
    },
    flush(cb) {
      void exited.then((err) => cb(err ?? null));
    },
  });
  void exited.then((err) => {
    if (err && !child.stdout.readableEnded) out.destroy(err);
  });
  child.stdout.pipe(out);
  return out;
}
