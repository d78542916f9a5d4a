import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker module `name` (a file beside this one, without extension).
 * Built, it is the compiled `.js`; run from the TypeScript sources (the tests),
 * the thread registers the same loader first.
 */
export function startThread(name: string, options: WorkerOptions = {}): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), options);
  const source = new URL(`./${name}.ts`, here).href;
  return new Worker(
    `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(source)}); })`,
    { ...options, eval: true },
  );
}

/**
 * Calls `lost` once when the thread dies: with its error, or, when it exits
 * without one, with an error saying `what` exited. A pool fails the work the
 * thread had, which would otherwise wait for ever.
 */
export function onThreadLost(worker: Worker, what: string, lost: (err: Error) => void): void {
  let gone = false;
  const once = (err: Error): void => {
    if (gone) return;
    gone = true;
    lost(err);
  };
  worker.on('error', once);
  worker.on('exit', (code) => once(new Error(`${what} exited (${code})`)));
}
