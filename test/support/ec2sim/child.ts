/**
 * The simulator in a process of its own, driven over IPC by `startEc2SimProcess` (./process.ts):
 * a real EC2 does not share the client's CPU, and a benchmark should not make it.
 */
import { fleet, type FleetSpec } from './fleet.js';
import { startEc2Sim, type Ec2Sim } from './index.js';
import type { Ec2SimOptions } from './options.js';

export type ChildRequest =
  | { type: 'start'; options: Partial<Ec2SimOptions>; fleet?: FleetSpec | undefined }
  | { type: 'calls' }
  | { type: 'clear' }
  | { type: 'cpu' }
  | { type: 'close' };

let sim: Ec2Sim | undefined;

const reply = (m: unknown): void => {
  process.send?.(m);
};

process.on('message', (m: ChildRequest) => {
  void (async () => {
    try {
      if (m.type === 'start') {
        // A new simulator in the same process: its code stays compiled and optimized.
        await sim?.close();
        sim = await startEc2Sim(m.options);
        if (m.fleet) fleet(sim, m.fleet);
        reply({ type: 'ready', endpoint: sim.endpoint });
      } else if (m.type === 'calls') {
        reply({ type: 'calls', calls: sim?.calls ?? [] });
      } else if (m.type === 'cpu') {
        const u = process.cpuUsage();
        reply({ type: 'cpu', cpuMs: (u.user + u.system) / 1000 });
      } else if (m.type === 'clear') {
        sim?.clearRecords();
        reply({ type: 'cleared' });
      } else {
        await sim?.close();
        reply({ type: 'closed' });
        process.disconnect();
      }
    } catch (err) {
      reply({ type: 'error', message: String(err) });
    }
  })();
});
