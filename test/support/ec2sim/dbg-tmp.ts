import { EC2Client, CreateTagsCommand } from '@aws-sdk/client-ec2';
import { startEc2Sim } from './index.js';
const sim = await startEc2Sim({ rateScale: 20 });
const { volumeIds } = sim.addInstance('us-east-1', { volumes: [{ device: '/dev/xvda' }] });
const c = new EC2Client({ region: 'us-east-1', endpoint: sim.endpoint, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
const t0 = Date.now();
const r = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => c.send(new CreateTagsCommand({ Resources: volumeIds, Tags: [{ Key: 'k', Value: String(i) }] }))));
console.log(Date.now() - t0);
for (const x of r) if (x.status === 'rejected') { const e = x.reason as any; console.log(e.name, e.$metadata, e.$retryable); break; }
console.log(r.filter(x => x.status === 'rejected').length, sim.calls.length, sim.calls.filter(c => c.errorCode).map(c => c.at - t0).join(','));
await sim.close();
