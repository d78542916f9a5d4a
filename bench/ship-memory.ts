// Peak RSS of `cairn ship backup` of one file of 256 MiB, 1 GiB and 4 GiB, to
// S3 and to a local directory: it should not grow with the file.
//
//   node --import tsx bench/ship-memory.ts [--data DIR] [--max-gib 4]
//
// Each file repeats one random 1 MiB block (real data on disk, not sparse).
// "Flat" means the largest file's peak RSS is within 20% of the smallest's.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  dataDir,
  formatSize,
  freeBytes,
  GiB,
  makeFiles,
  MiB,
  missingBytes,
  syncAll,
  warm,
} from './lib/data.js';
import { timed } from './lib/measure.js';
import type { Measured } from './lib/measure.js';
import { openBenchS3 } from './lib/s3.js';
import { fixed, markdownTable, ratio } from './lib/table.js';
import { cairnBackup, reportHeader } from './lib/tools.js';

const header = reportHeader();
const { values: flags } = parseArgs({
  options: { data: { type: 'string' }, 'max-gib': { type: 'string', default: '4' } },
});
const maxBytes = Number(flags['max-gib']) * GiB;
if (!(maxBytes > 0)) throw new Error('--max-gib must be above 0');

const data = dataDir(flags.data);
const logs = join(data, 'logs');
const localTarget = join(data, 'memory-target');
mkdirSync(logs, { recursive: true });
const notes: string[] = [];

// Each size needs its file plus one local copy (the target), with 1 GiB to spare.
let sizes = [256 * MiB, GiB, 4 * GiB].filter((s) => s <= maxBytes);
const dirOf = (size: number) => join(data, 'memory', `one-${formatSize(size).replace(' ', '')}`);
const need = (ss: number[]) =>
  ss.reduce((n, s) => n + missingBytes(dirOf(s), 1, s), 0) + Math.max(...ss) + GiB;
while (sizes.length > 1 && need(sizes) > freeBytes(data)) {
  notes.push(`${formatSize(sizes.at(-1)!)} skipped: not enough disk space in ${data}`);
  sizes = sizes.slice(0, -1);
}
for (const s of sizes) {
  process.stderr.write(`file of ${formatSize(s)} in ${dirOf(s)}\n`);
  makeFiles(dirOf(s), 1, s, MiB);
}

const s3 = await openBenchS3();
const results: { size: number; target: string; m: Measured }[] = [];
try {
  for (const size of sizes) {
    const dir = dirOf(size);
    const name = formatSize(size).replace(' ', '');
    const bucket = await s3.newBucket('bench-memory');
    warm(dir);
    syncAll();
    process.stderr.write(`${formatSize(size)} to S3... `);
    const m = await timed(
      cairnBackup(dir, `s3://${bucket}/cairn`, s3.config),
      join(logs, `memory-${name}-s3.log`),
    );
    process.stderr.write(`${m.wall.toFixed(1)} s, ${m.rssMiB.toFixed(0)} MiB\n`);
    const held = await s3.discard(bucket);
    if (held.bytes < size) throw new Error(`cairn stored only ${held.bytes} of ${size} bytes`);
    results.push({ size, target: 'S3', m });

    rmSync(localTarget, { recursive: true, force: true });
    warm(dir);
    syncAll();
    process.stderr.write(`${formatSize(size)} to a local directory... `);
    const l = await timed(cairnBackup(dir, localTarget), join(logs, `memory-${name}-local.log`));
    process.stderr.write(`${l.wall.toFixed(1)} s, ${l.rssMiB.toFixed(0)} MiB\n`);
    rmSync(localTarget, { recursive: true, force: true });
    results.push({ size, target: 'local', m: l });
  }
} finally {
  await s3.stop();
  rmSync(localTarget, { recursive: true, force: true });
}

const verdicts = ['S3', 'local'].map((target) => {
  const rs = results.filter((r) => r.target === target);
  const first = rs[0]!.m.rssMiB;
  const last = rs.at(-1)!.m.rssMiB;
  const flat = last <= first * 1.2;
  return `- ${target}: ${fixed(first, 0)} MiB at ${formatSize(rs[0]!.size)} → ${fixed(last, 0)} MiB at ${formatSize(rs.at(-1)!.size)} (${ratio(last, first)}): ${flat ? 'flat' : 'NOT flat'}`;
});

console.log(
  [
    '# cairn ship backup: peak RSS by file size',
    '',
    ...header(s3.origin),
    '',
    markdownTable(
      ['file', 'target', 'wall s', 'MiB/s', 'CPU s', 'peak RSS MiB'],
      results.map(({ size, target, m }) => [
        formatSize(size),
        target,
        fixed(m.wall, 2),
        fixed(size / MiB / m.wall, 0),
        fixed(m.cpu, 2),
        fixed(m.rssMiB, 0),
      ]),
    ),
    '',
    'Peak RSS, smallest to largest file (flat: within 20%):',
    ...verdicts,
    ...notes.map((n) => `- ${n}`),
  ].join('\n'),
);
