// How long after a file is renamed into place `cairn ship watch` has it in a
// stored manifest, at a steady rate of new files.
//
//   node --import tsx bench/ship-latency.ts [--data DIR] [--seconds 60] [--rate 50]
//
// The daemon runs as a child process with --verbose (JSON lines on stderr).
// Files of 4–64 KiB of random data are written as NAME.tmp and renamed to NAME.
// A file's latency is the time of the first `ship.manifest` event of its
// directory at or after its `ship.file` event, minus the moment just before
// its rename. At the end the newest manifest is read back from the store.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openStore } from '../src/index.js';
import { listManifests, newestPerSeries, readManifest } from '../src/ship/catalog.js';
import { dataDir, KiB } from './lib/data.js';
import { percentile } from './lib/measure.js';
import { openBenchS3 } from './lib/s3.js';
import { fixed, markdownTable } from './lib/table.js';
import { cairn, reportHeader } from './lib/tools.js';

const header = reportHeader();
const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '50' },
  },
});
const seconds = Number(flags.seconds);
const rate = Number(flags.rate);
if (!(seconds > 0) || !(rate > 0)) throw new Error('--seconds and --rate must be above 0');

const dir = join(dataDir(flags.data), 'watch');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const realDir = realpathSync(dir);
const say = (line: string) => process.stderr.write(`${line}\n`);

interface Event {
  type?: string;
  time?: number;
  path?: string;
  dir?: string;
  level?: number;
  msg?: string;
}

/** CPU seconds and peak RSS of a running process, from /proc. */
function usage(pid: number): { cpu: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpu: ticks / 100, rssMiB: Number(hwm) / 1024 };
}

const s3 = await openBenchS3();
const bucket = await s3.newBucket('bench-watch');
const target = `s3://${bucket}/watch`;
const c = cairn(['--verbose', 'ship', 'watch', realDir, '--to', target, '--host', 'bench'], s3.config);
const daemon = spawn(c.cmd, c.args, { env: c.env, cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));

const shippedAt = new Map<string, number>(); // path → time of its first ship.file event
const manifestTimes: number[] = []; // times of the ship.manifest events of the directory, ascending
const problems: string[] = [];
let ready: () => void;
const isReady = new Promise<void>((resolve) => (ready = resolve));
createInterface({ input: daemon.stderr }).on('line', (line) => {
  let e: Event;
  try {
    e = JSON.parse(line) as Event;
  } catch {
    return; // not from the logger (e.g. a Node warning)
  }
  if (e.type === 'ship.ready') ready();
  else if (e.type === 'ship.file' && e.path && e.time && !shippedAt.has(e.path))
    shippedAt.set(e.path, e.time);
  else if (e.type === 'ship.manifest' && e.dir === realDir && e.time) manifestTimes.push(e.time);
  if ((e.level ?? 0) >= 50) problems.push(`${e.type}: ${e.msg}`);
});

const renamedAt = new Map<string, number>(); // path → just before its rename
let writeSeconds: number;
let result: string;
try {
  await Promise.race([
    isReady,
    exited.then((code) => Promise.reject(new Error(`ship watch exited (${code}) before it was ready`))),
    sleep(60_000, undefined, { ref: false }).then(() =>
      Promise.reject(new Error('ship watch was not ready after 60 s')),
    ),
  ]);
  const count = Math.round(seconds * rate);
  say(`ship watch is ready; writing ${count} files at ${rate}/s for ${seconds} s`);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const path = join(realDir, `f${String(i).padStart(6, '0')}`);
    await writeFile(`${path}.tmp`, randomBytes(randomInt(4 * KiB, 64 * KiB + 1)));
    renamedAt.set(path, Date.now());
    await rename(`${path}.tmp`, path);
  }
  writeSeconds = (performance.now() - start) / 1000;

  // Wait (up to 60 s) until every file is shipped and a manifest came after the last one.
  const settled = () =>
    shippedAt.size >= renamedAt.size && (manifestTimes.at(-1) ?? 0) >= Math.max(...shippedAt.values());
  for (const end = performance.now() + 60_000; !settled() && performance.now() < end;) await sleep(100);
  const used = usage(daemon.pid!);
  daemon.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(60_000, 'timeout', { ref: false })]);
  if (code === 'timeout') daemon.kill('SIGKILL');
  else if (code !== 0) problems.push(`ship watch exited with ${code}`);

  const latencies: number[] = [];
  let noManifest = 0;
  for (const [path, renamed] of renamedAt) {
    const shipped = shippedAt.get(path);
    const m = shipped === undefined ? undefined : manifestTimes.find((t) => t >= shipped);
    if (m === undefined) noManifest += 1;
    else latencies.push(m - renamed);
  }
  latencies.sort((a, b) => a - b);

  // The store's own word: the newest manifest of the directory names every file written.
  process.env.AWS_ENDPOINT_URL_S3 = s3.config.endpoint;
  process.env.AWS_REGION = s3.config.region;
  process.env.AWS_ACCESS_KEY_ID = s3.config.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.config.secretAccessKey;
  const store = openStore(target);
  const newest = newestPerSeries(await listManifests(store, 'bench')).find((r) => r.dir === realDir);
  const listed = new Set(newest ? (await readManifest(store, newest)).files.map((f) => f.name) : []);
  const missing = [...renamedAt.keys()].filter((p) => !listed.has(p.slice(realDir.length + 1)));

  const p = (q: number) => fixed(percentile(latencies, q), 0);
  result = [
    `# cairn ship watch: latency from rename to stored manifest`,
    '',
    ...header(s3.origin),
    `- ${renamedAt.size} files of 4–64 KiB renamed into one directory at ${rate}/s for ${seconds} s ` +
      `(achieved ${(renamedAt.size / writeSeconds).toFixed(1)}/s); the daemon's defaults (concurrency 8, manifests 200 ms after a change)`,
    '',
    markdownTable(
      [
        'files',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'no manifest after ship.file',
        'in newest stored manifest',
        'manifests written',
        'daemon CPU s',
        'daemon peak RSS MiB',
      ],
      [
        [
          String(renamedAt.size),
          p(50),
          p(90),
          p(99),
          p(100),
          String(noManifest),
          missing.length ? `no: ${missing.length} missing` : `yes (all ${listed.size})`,
          String(manifestTimes.length),
          fixed(used.cpu, 1),
          fixed(used.rssMiB, 0),
        ],
      ],
    ),
    '',
    `Goal p99 < 1000 ms: ${percentile(latencies, 99) < 1000 && noManifest === 0 && missing.length === 0 ? 'met' : 'NOT met'}.`,
    ...(problems.length ? ['', 'Problems:', ...problems.slice(0, 10).map((l) => `- ${l}`)] : []),
  ].join('\n');
  await s3.discard(bucket);
} finally {
  if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(result);
