// `cairn ship backup` against `aws s3 cp --recursive` and `rclone copy` to S3,
// and against `cp -r` to a local directory, on (a) 8 files of 256 MiB and
// (b) 10,000 files of 64 KiB of random data.
//
//   node --import tsx bench/ship-throughput.ts [--data DIR] [--only a|b] [--target s3|local] [--runs N] [--small]
//
// Every tool gets a fresh bucket (or an absent destination), the same files
// with a warm page cache, and a clean start (`sync` first). Each tool uses its
// default concurrency. The numbers are the median of N runs (per column).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  dataDir,
  formatSize,
  GiB,
  KiB,
  makeFiles,
  MiB,
  missingBytes,
  needSpace,
  syncAll,
  warm,
} from './lib/data.js';
import { medianOf, timed } from './lib/measure.js';
import type { Command, Measured } from './lib/measure.js';
import { openBenchS3 } from './lib/s3.js';
import { fixed, markdownTable, ratio } from './lib/table.js';
import { awsCopy, cairnBackup, cpRecursive, cpRecursiveSync, rcloneCopy, reportHeader } from './lib/tools.js';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    only: { type: 'string' },
    target: { type: 'string' },
    runs: { type: 'string', default: '1' },
    small: { type: 'boolean', default: false },
  },
});
const header = reportHeader();
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number above 0`);
if (flags.only && !['a', 'b'].includes(flags.only)) throw new Error('--only takes a or b');
if (flags.target && !['s3', 'local'].includes(flags.target)) throw new Error('--target takes s3 or local');
const toS3 = flags.target !== 'local';
const toLocal = flags.target !== 's3';

const data = dataDir(flags.data);
const datasets = [
  { id: 'a', count: 8, size: (flags.small ? 16 : 256) * MiB },
  { id: 'b', count: flags.small ? 1_000 : 10_000, size: 64 * KiB },
]
  .filter((d) => !flags.only || d.id === flags.only)
  .map((d) => ({ ...d, dir: join(data, `${d.id}-${d.count}x${formatSize(d.size).replace(' ', '')}`) }));

const largest = Math.max(...datasets.map((d) => d.count * d.size));
needSpace(
  data,
  datasets.reduce((n, d) => n + missingBytes(d.dir, d.count, d.size), 0) + largest,
  'the datasets and one local copy',
);
for (const d of datasets) {
  process.stderr.write(`dataset ${d.id}: ${d.count} × ${formatSize(d.size)} in ${d.dir}\n`);
  makeFiles(d.dir, d.count, d.size);
}

const logs = join(data, 'logs');
const localTargets = join(data, 'local-targets');
mkdirSync(logs, { recursive: true });

/** Rotates the order of the tools from run to run, so none always goes first. */
const rotate = <T>(xs: T[], n: number): T[] => xs.map((_, i) => xs[(i + n) % xs.length]!);

async function measure(name: string, dir: string, c: Command, logName: string): Promise<Measured> {
  warm(dir);
  syncAll();
  process.stderr.write(`  ${name}... `);
  const m = await timed(c, join(logs, `${logName}.log`));
  process.stderr.write(`${m.wall.toFixed(1)} s\n`);
  return m;
}

function rows(results: Map<string, Measured>, bytes: number, base: string, others: string[]): string[][] {
  const gib = bytes / GiB;
  const out = [...results].map(([tool, m]) => [
    tool,
    fixed(m.wall, 2),
    fixed(bytes / MiB / m.wall, 0),
    fixed(m.cpu, 2),
    fixed(m.cpu / gib, 2),
    fixed(m.rssMiB, 0),
  ]);
  const b = results.get(base)!;
  for (const o of others) {
    const m = results.get(o)!;
    out.push([
      `${base} / ${o}`,
      ratio(b.wall, m.wall),
      ratio(m.wall, b.wall),
      ratio(b.cpu, m.cpu),
      ratio(b.cpu, m.cpu),
      ratio(b.rssMiB, m.rssMiB),
    ]);
  }
  return out;
}

const HEADER = ['tool', 'wall s', 'MiB/s', 'CPU s', 'CPU s/GiB', 'peak RSS MiB'];

const s3 = await openBenchS3();
const tables: string[] = [];
try {
  for (const d of datasets) {
    const bytes = d.count * d.size;
    const label = `(${d.id}) ${d.count.toLocaleString('en')} × ${formatSize(d.size)} (${formatSize(bytes)})`;
    const s3Runs = new Map<string, Measured[]>([
      ['cairn', []],
      ['aws', []],
      ['rclone', []],
    ]);
    const localRuns = new Map<string, Measured[]>([
      ['cairn', []],
      ['cp -r', []],
      ['cp -r; sync', []],
    ]);
    for (let run = 0; run < runs; run++) {
      if (toS3) process.stderr.write(`${label}, run ${run + 1}/${runs}, to S3\n`);
      for (const tool of toS3 ? rotate([...s3Runs.keys()], run) : []) {
        const bucket = await s3.newBucket(`bench-${d.id}-${tool}`);
        const cmd =
          tool === 'cairn'
            ? cairnBackup(d.dir, `s3://${bucket}/cairn`, s3.config)
            : tool === 'aws'
              ? awsCopy(d.dir, bucket, 'aws', s3.config)
              : rcloneCopy(d.dir, bucket, 'rclone', s3.config);
        const m = await measure(tool, d.dir, cmd, `throughput-${d.id}-${tool}-${run + 1}`);
        const held = await s3.discard(bucket);
        if (held.bytes < bytes) throw new Error(`${tool} stored only ${held.bytes} of ${bytes} bytes`);
        s3Runs.get(tool)!.push(m);
      }
      if (!toLocal) continue;
      process.stderr.write(`${label}, run ${run + 1}/${runs}, to a local directory\n`);
      // One untimed copy first: on a VM whose free memory goes back to the host, the first
      // run to fill the page cache after a while pays for getting it back (seen: cp -r 0.5 s vs 4.7 s).
      rmSync(localTargets, { recursive: true, force: true });
      mkdirSync(localTargets, { recursive: true });
      await timed(cpRecursive(d.dir, join(localTargets, 'prime')), join(logs, 'prime.log'));
      for (const tool of rotate([...localRuns.keys()], run)) {
        const dest = join(localTargets, tool === 'cairn' ? 'cairn' : 'cp');
        rmSync(localTargets, { recursive: true, force: true });
        mkdirSync(localTargets, { recursive: true });
        const cmd =
          tool === 'cairn'
            ? cairnBackup(d.dir, dest)
            : tool === 'cp -r'
              ? cpRecursive(d.dir, dest)
              : cpRecursiveSync(d.dir, dest);
        localRuns
          .get(tool)!
          .push(await measure(tool, d.dir, cmd, `throughput-${d.id}-local-${tool}-${run + 1}`));
        rmSync(localTargets, { recursive: true, force: true });
      }
    }
    const med = (m: Map<string, Measured[]>) => new Map([...m].map(([k, v]) => [k, medianOf(v)]));
    if (toS3)
      tables.push(
        `### ${label} to S3`,
        markdownTable(HEADER, rows(med(s3Runs), bytes, 'cairn', ['aws', 'rclone'])),
      );
    if (toLocal)
      tables.push(
        `### ${label} to a local directory`,
        markdownTable(HEADER, rows(med(localRuns), bytes, 'cairn', ['cp -r', 'cp -r; sync'])),
      );
  }
} finally {
  await s3.stop();
  rmSync(localTargets, { recursive: true, force: true });
}

console.log(
  [
    `# cairn ship backup: throughput (${runs === 1 ? 'one run' : `median of ${runs} runs`})`,
    '',
    ...header(s3.origin),
    '- concurrency: each tool its default (cairn 8 files × 4 parts of 8 MiB; aws 10 requests, 8 MiB parts; rclone 4 files × 4 parts of 5 MiB)',
    '- ratio rows: cairn divided by the other tool (wall, CPU, RSS: below 1× is better for cairn; MiB/s: the other way round)',
    '- local: `cp -r; sync` also makes the copy durable (`sync -f` on the destination), as cairn does before writing a manifest',
    '',
    ...tables.flatMap((t) => [t, '']),
  ].join('\n'),
);
