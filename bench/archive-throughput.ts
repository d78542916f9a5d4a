// `cairn archive create` to S3 against the shell pipelines people write by hand:
//   tar czf - DIR | aws s3 cp - s3://…      and      zip -r - DIR | aws s3 cp - s3://…
// on a 1 GiB tree of mixed files (a few large, many small, some compressible),
// at the same compression level (6, the default of gzip and zip).
//
//   node --import tsx bench/archive-throughput.ts [--data DIR] [--runs N] [--small] [--tool NAME...]
//
// --tool (repeatable) runs only the tools whose name contains it, e.g. --tool zip.
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dataDir, GiB, KiB, MiB, needSpace, syncAll, treeBytes, warm, formatSize } from './lib/data.js';
import { medianOf, timed } from './lib/measure.js';
import type { Command, Measured } from './lib/measure.js';
import { openBenchS3 } from './lib/s3.js';
import { fixed, markdownTable, ratio } from './lib/table.js';
import { AWS_CLI, cairn, reportHeader } from './lib/tools.js';
import type { S3TestConfig } from '../test/support/s3-env.js';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    runs: { type: 'string', default: '1' },
    small: { type: 'boolean', default: false },
    tool: { type: 'string', multiple: true },
  },
});
const runs = Number(flags.runs);
const scale = flags.small ? 1 / 8 : 1;
const data = dataDir(flags.data);
const tree = join(data, `archive-mixed-v2${flags.small ? '-small' : ''}`);

/**
 * Log-like text: timestamped lines of words from a small vocabulary with ids and numbers, from a
 * fixed seed. gzip -6 makes it about a quarter of its size, as it does real logs.
 */
function logText(size: number): Buffer {
  const words = (
    'backup restore archive snapshot volume manifest cairn stream upload part request ' +
    'GET PUT HEAD ok error retry timeout bytes files user session cache miss hit'
  ).split(' ');
  let seed = 0x2545f491;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  let t = Date.UTC(2026, 0, 1);
  while (at < size) {
    t += next() % 2000;
    const parts = [new Date(t).toISOString(), words[next() % 8], `id=${next().toString(16)}`];
    for (let i = next() % 9; i > 0; i--) parts.push(words[next() % words.length] ?? '');
    parts.push(`${next() % 100000} ms\n`);
    at += out.write(parts.join(' '), at);
  }
  return out;
}

/** A few large files (random, log text, half of each), many small ones; about 1 GiB. */
function makeTree(): void {
  if (existsSync(`${tree}.done`)) return;
  needSpace(data, 1.1 * GiB * scale, 'the archive dataset');
  mkdirSync(join(tree, 'large'), { recursive: true });
  const text = logText(MiB);
  const block = Buffer.allocUnsafe(MiB);
  const write = (path: string, size: number, kind: 'random' | 'text' | 'mixed', salt = 0): void => {
    const fd = openSync(path, 'w');
    for (let done = 0, i = 0; done < size; i++) {
      const n = Math.min(MiB, size - done);
      const random = kind === 'random' || (kind === 'mixed' && i % 2 === 0);
      if (random) randomFillSync(block, 0, n);
      // Each MiB of text, and each file, starts elsewhere in the sample.
      else for (let k = 0, o = ((i + salt) * 104_729) % MiB; k < n; k++) block[k] = text[(k + o) % MiB] ?? 0;
      done += writeSync(fd, block, 0, n);
    }
    closeSync(fd);
  };
  write(join(tree, 'large', 'random.bin'), 256 * MiB * scale, 'random');
  write(join(tree, 'large', 'log.txt'), 256 * MiB * scale, 'text');
  write(join(tree, 'large', 'mixed.db'), 256 * MiB * scale, 'mixed');
  const small = Math.round(8000 * scale);
  for (let i = 0; i < small; i++) {
    const dir = join(tree, 'small', `d${i % 100}`);
    mkdirSync(dir, { recursive: true });
    write(join(dir, `f${i}`), (8 + (i % 57)) * KiB, i % 3 === 0 ? 'text' : 'random', i);
  }
  writeFileSync(`${tree}.done`, 'ok');
}

function s3Env(s3: S3TestConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|CAIRN_)/.test(k)) env[k] = v;
  return {
    ...env,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function pipeline(producer: string, bucket: string, key: string, s3: S3TestConfig): Command {
  const upload = `${AWS_CLI} --endpoint-url ${s3.endpoint} s3 cp --only-show-errors - s3://${bucket}/${key}`;
  return { cmd: '/bin/sh', args: ['-c', `set -e; ${producer} | ${upload}`], env: s3Env(s3), cwd: tree };
}

const allTools: Record<string, (bucket: string, s3: S3TestConfig) => Command> = {
  'cairn tar.gz': (b, s3) =>
    cairn(
      [
        'archive',
        'create',
        'bench',
        '--include',
        tree,
        '--format',
        'tar.gz',
        '--level',
        '6',
        '--to',
        `s3://${b}/c`,
      ],
      s3,
    ),
  'tar czf | aws': (b, s3) => pipeline('tar cf - . | gzip -6', b, 'p/bench.tar.gz', s3),
  'cairn zip': (b, s3) =>
    cairn(
      [
        'archive',
        'create',
        'bench',
        '--include',
        tree,
        '--format',
        'zip',
        '--level',
        '6',
        '--to',
        `s3://${b}/c`,
      ],
      s3,
    ),
  'zip -r | aws': (b, s3) => pipeline('zip -q -6 -r - .', b, 'p/bench.zip', s3),
};

const tools = Object.fromEntries(
  Object.entries(allTools).filter(([name]) => !flags.tool || flags.tool.some((t) => name.includes(t))),
);

makeTree();
const header = reportHeader();
const bytes = treeBytes(tree);
const logs = join(data, 'logs');
mkdirSync(logs, { recursive: true });
const s3 = await openBenchS3();
const results = new Map<string, Measured[]>(Object.keys(tools).map((t) => [t, []]));
const stored = new Map<string, number>();
try {
  for (let run = 0; run < runs; run++) {
    for (const [name, make] of Object.entries(tools)) {
      const bucket = await s3.newBucket(`bench-arc-${name.split(' ')[0]}`);
      warm(tree);
      syncAll();
      process.stderr.write(`  ${name}, run ${run + 1}/${runs}... `);
      const m = await timed(
        make(bucket, s3.config),
        join(logs, `archive-${name.replace(/\W+/g, '-')}-${run + 1}.log`),
      );
      process.stderr.write(`${m.wall.toFixed(1)} s\n`);
      const held = await s3.discard(bucket);
      stored.set(name, held.bytes);
      results.get(name)!.push(m);
    }
  }
} finally {
  await s3.stop();
}

const med = new Map([...results].map(([k, v]) => [k, medianOf(v)]));
const gib = bytes / GiB;
const rows = [...med].map(([tool, m]) => [
  tool,
  fixed(m.wall, 2),
  fixed(bytes / MiB / m.wall, 0),
  fixed(m.cpu, 2),
  fixed(m.cpu / gib, 2),
  fixed(m.rssMiB, 0),
  formatSize(stored.get(tool) ?? 0),
]);
for (const [a, b] of [
  ['cairn tar.gz', 'tar czf | aws'],
  ['cairn zip', 'zip -r | aws'],
] as const) {
  const x = med.get(a);
  const y = med.get(b);
  if (!x || !y) continue;
  rows.push([
    `${a} / ${b}`,
    ratio(x.wall, y.wall),
    ratio(y.wall, x.wall),
    ratio(x.cpu, y.cpu),
    ratio(x.cpu, y.cpu),
    ratio(x.rssMiB, y.rssMiB),
    ratio(stored.get(a) ?? 0, stored.get(b) ?? 0),
  ]);
}
console.log(
  [
    `# cairn archive create: throughput (${runs === 1 ? 'one run' : `median of ${runs} runs`})`,
    '',
    ...header(s3.origin),
    `- data: ${tree}, ${formatSize(bytes)} (3 large files: random, log text, half and half; ${Math.round(8000 * scale)} small files of 8-64 KiB, a third text)`,
    '- compression level 6 everywhere; peak RSS is that of the largest process of the pipeline',
    '',
    markdownTable(['tool', 'wall s', 'MiB/s', 'CPU s', 'CPU s/GiB', 'peak RSS MiB', 'stored'], rows),
    '',
    // A memory goal is about the worst run, not the median.
    'Peak RSS of every run (MiB): ' +
      [...results].map(([tool, ms]) => `${tool} ${ms.map((m) => fixed(m.rssMiB, 0)).join(', ')}`).join('; '),
  ].join('\n'),
);
