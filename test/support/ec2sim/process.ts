/** Starts the simulator in a child process (./child.ts) and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildRequest } from './child.js';
import type { FleetSpec } from './fleet.js';
import type { Ec2SimOptions } from './options.js';
import type { RecordedCall } from './types.js';

export interface Ec2SimProcess {
  /** Where the current simulator listens (it changes with `restart`). */
  readonly endpoint: string;
  readonly pid: number | undefined;
  /** Every call the simulator recorded so far. */
  calls(): Promise<RecordedCall[]>;
  clearRecords(): Promise<void>;
  /**
   * Replaces the simulator by a fresh one (new state, records and port) in the same process,
   * whose code the earlier runs have compiled and optimized, as a long-running EC2's is.
   */
  restart(
    options: Partial<Ec2SimOptions>,
    fleetSpec?: Omit<FleetSpec, 'tags' | 'volumeTags'> & { tags?: Record<string, string> },
  ): Promise<void>;
  /** CPU time (user + system) the simulator's process has used so far. */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

interface ChildReply {
  type: string;
  endpoint?: string;
  calls?: RecordedCall[];
  message?: string;
  cpuMs?: number;
}

function ask(child: ChildProcess, m: ChildRequest, want: string): Promise<ChildReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: ChildReply): void => {
      if (r.type !== want && r.type !== 'error') return;
      cleanup();
      if (r.type === 'error') reject(new Error(`ec2sim child: ${r.message ?? 'failed'}`));
      else resolve(r);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`ec2sim child exited (${String(code)})`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(m);
  });
}

/**
 * The simulator on loopback in its own Node.js process, seeded with `fleet` if given. Options
 * and records cross the process boundary as JSON; the in-process handle (`startEc2Sim`) has the
 * rest (faults, clock, state) for tests.
 */
export async function startEc2SimProcess(
  options: Partial<Ec2SimOptions>,
  fleetSpec?: Omit<FleetSpec, 'tags' | 'volumeTags'> & { tags?: Record<string, string> },
  /** Extra Node.js options of the child, e.g. `['--cpu-prof']`. */
  nodeOptions: readonly string[] = [],
): Promise<Ec2SimProcess> {
  const child = fork(fileURLToPath(new URL('./child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', ...nodeOptions],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let endpoint = (await ask(child, { type: 'start', options, fleet: fleetSpec }, 'ready')).endpoint ?? '';
  return {
    get endpoint() {
      return endpoint;
    },
    pid: child.pid,
    restart: async (o, f) => {
      endpoint = (await ask(child, { type: 'start', options: o, fleet: f }, 'ready')).endpoint ?? '';
    },
    calls: async () => (await ask(child, { type: 'calls' }, 'calls')).calls ?? [],
    clearRecords: async () => {
      await ask(child, { type: 'clear' }, 'cleared');
    },
    cpuMs: async () => (await ask(child, { type: 'cpu' }, 'cpu')).cpuMs ?? 0,
    close: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ask(child, { type: 'close' }, 'closed');
      await exited;
    },
  };
}
