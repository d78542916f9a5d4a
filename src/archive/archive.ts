import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CairnError, isCairnError } from '../core/errors.js';
import { makeFilter } from '../core/path-filter.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import { openStore } from '../storage/open-store.js';
import { collect } from '../storage/object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { S3Settings } from '../storage/s3-client.js';
import { VERSION } from '../version.js';
import { CONTENT_TYPE } from './format.js';
import type { ArchiveFormat, FormatWriter } from './format.js';
import { GzipMembers } from './gzip-members.js';
import { HashingSink } from './hashing-sink.js';
import type { ArchiveMeta } from './meta.js';
import { checkEntryName, metaKey, parseArchiveKey } from './naming.js';
import { ARCHIVE_DEFAULTS } from './options.js';
import { archiveOutcome } from './outcome.js';
import type { ArchiveOutcome } from './outcome.js';
import { parseArchiveOptions } from './requests/create-request.js';
import type { ArchiveOptionsRequest } from './requests/create-request.js';
import { CLAIMS_PREFIX, claimArchiveKey, planLeftoverClaims } from './claim.js';
import type { Claim } from './claim.js';
import type { ArchiveSource } from './sources.js';
import { TarWriter } from './tar-writer.js';
import { walkSources } from './walk.js';
import { ZipWriter } from './zip-writer.js';

export interface ArchiveOptions {
  /** Default 'tar.gz' (ARCHIVE_DEFAULTS, src/archive/options.ts, holds every default). */
  format?: ArchiveFormat | undefined;
  /** A target string (s3://…, a path) or an open store; default $CAIRN_REPO or ~/.local/share/cairn. */
  to?: string | ObjectStore | undefined;
  s3?: S3Settings | undefined;
  exclude?: string[] | undefined;
  /** Report unreadable files and go on, instead of failing the archive. */
  skipUnreadable?: boolean | undefined;
  /** Compression level 0-9 (tar.gz and zip; not with tar); default 6, as gzip and zip use. */
  level?: number | undefined;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  signal?: AbortSignal | undefined;
  /**
   * What runs stopped midway left (unfinished uploads, temporary files, name
   * claims) is removed once older than this, by the store's clock. Default 24 h.
   */
  leftoverAgeMs?: number | undefined;
}

export { ARCHIVE_DEFAULTS };

export interface SaveResult {
  key: string;
  url: string;
  bytes: number;
  files: number;
  sha256: string;
  durationMs: number;
  skipped: { path: string; reason: string }[];
  /** `partial` when unreadable files were left out (skipUnreadable), each a reason. */
  outcome: ArchiveOutcome;
}

/**
 * `archive('example', { format: 'tar.gz', to: 's3://bucket/backups' })`: see docs/archive.md.
 * The name and options are checked first (archiveOptionsSchema): a bad one is a USAGE CairnError
 * naming the key.
 */
export function archive(name: string, options: ArchiveOptions = {}): Archive {
  return new Archive(name, options);
}

export class Archive implements AsyncDisposable {
  private readonly sources: ArchiveSource[] = [];
  private readonly tempDirs: string[] = [];
  readonly name: string;
  readonly format: ArchiveFormat;
  private readonly req: ArchiveOptionsRequest;

  constructor(
    name: string,
    private readonly o: ArchiveOptions = {},
  ) {
    this.req = parseArchiveOptions({ ...o, name });
    this.name = this.req.name;
    this.format = this.req.format;
  }

  /** The directory's contents at the archive root, or under `name`; with `preservePaths`, under its full path. */
  includeDirectory(path: string, opts: { preservePaths?: boolean; name?: string } = {}): this {
    const abs = resolve(path);
    this.sources.push({
      kind: 'dir',
      path: abs,
      name: opts.name === undefined ? undefined : checkEntryName(opts.name, abs),
      preservePaths: opts.preservePaths === true,
    });
    return this;
  }

  /** One file, as `name` (default: its base name). */
  includeFile(path: string, opts: { name?: string } = {}): this {
    const abs = resolve(path);
    this.sources.push({ kind: 'file', path: abs, name: checkEntryName(opts.name ?? basename(abs), abs) });
    return this;
  }

  /** Hands `fill` a new temporary directory; its contents are archived under `name`, then it is removed. */
  async includeNewDir(name: string, fill: (dir: string) => Promise<void> | void): Promise<this> {
    const entry = checkEntryName(name, 'a new directory');
    const dir = await mkdtemp(join(tmpdir(), 'cairn-archive-'));
    this.tempDirs.push(dir);
    await fill(dir);
    this.sources.push({ kind: 'dir', path: dir, name: entry, preservePaths: false });
    return this;
  }

  /** The standard output of `argv` (no shell) as the file `name`, streamed while the command runs. */
  includeCommandOutput(
    name: string,
    argv: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): this {
    if (argv.length === 0) throw new CairnError('USAGE', `no command given for ${name}`);
    this.sources.push({
      kind: 'command',
      name: checkEntryName(name, argv.join(' ')),
      argv,
      cwd: opts.cwd,
      env: opts.env,
    });
    return this;
  }

  private store(): ObjectStore {
    const to = this.req.to;
    return typeof to === 'object' ? to : openStore(to, this.req.s3);
  }

  /** Streams the archive to storage. It appears there complete, or not at all. */
  async save(): Promise<SaveResult> {
    const clock = this.o.clock ?? systemClock;
    const reporter = this.o.reporter ?? silentReporter;
    const started = performance.now();
    const store = this.store();
    // The key and the record's createdAt are the time the archive was started (the key a second
    // or more later when another run of this name holds that second's).
    const startedAt = clock.now();
    let claim: Claim | undefined;
    try {
      await store.check({ create: true });
      claim = await claimArchiveKey(store, this.name, startedAt, this.format, () => clock.now());
      const key = claim.key;
      await removeLeftovers(store, claim.storedAt, this.req.leftoverAgeMs, reporter);
      const skipped: { path: string; reason: string }[] = [];
      const walkOpts = {
        leaveOut: await dirId(store.localDir),
        filter: makeFilter([], this.req.exclude),
        skipUnreadable: this.req.skipUnreadable,
        reporter,
        clock,
        onSkip: (path: string, reason: string) => {
          skipped.push({ path, reason });
          reporter.event({ level: 'warn', type: 'archive.skip', message: `skipped ${reason}`, path });
        },
      };
      const total = await this.totals(walkOpts);
      const writer = await store.createWriter(key, {
        contentType: CONTENT_TYPE[this.format],
        ifNoneMatch: true,
        signal: this.o.signal,
        // Compression produces a few tens of MB/s: two parts in flight keep up, and hold less memory.
        ...(this.format === 'tar' ? {} : { partsInFlight: 2 }),
      });
      const sink = new HashingSink(writer);
      let done = 0;
      let files = 0;
      let entries = 0;
      const onBytes = (n: number): void => {
        done += n;
        reporter.progress?.({
          unit: 'bytes',
          done,
          total: Math.max(total.bytes, done),
          label: key,
          detail: `${files} of ${total.files} files`,
        });
      };
      const level = this.req.level ?? ARCHIVE_DEFAULTS.level;
      const gz = this.format === 'tar.gz' ? new GzipMembers(sink, level) : undefined;
      const fw: FormatWriter =
        this.format === 'zip'
          ? new ZipWriter(sink, onBytes, { level, signal: this.o.signal })
          : new TarWriter(gz ?? sink, onBytes, this.o.signal);
      try {
        for await (const e of walkSources(this.sources, walkOpts)) {
          if (this.o.signal?.aborted)
            throw new CairnError('INTERRUPTED', 'interrupted; no archive was stored');
          await fw.add(e);
          entries += 1;
          if (e.type === 'file' || e.type === 'command') files += 1;
        }
        await fw.finish();
        await gz?.finish();
        if (this.o.signal?.aborted) throw new CairnError('INTERRUPTED', 'interrupted; no archive was stored');
        await writer.complete();
      } catch (err) {
        await writer.abort();
        throw this.o.signal?.aborted && !isCairnError(err)
          ? new CairnError('INTERRUPTED', 'interrupted; no archive was stored')
          : err;
      }
      const sha256 = sink.digest() ?? (await hashObject(store, key));
      const meta: ArchiveMeta = {
        version: 1,
        name: this.name,
        key,
        format: this.format,
        createdAt: startedAt.toISOString(),
        bytes: writer.size,
        files,
        entries,
        sha256,
        skipped,
        cairn: VERSION,
      };
      await store.put(metaKey(key), Buffer.from(JSON.stringify(meta, null, 2)), {
        contentType: 'application/json',
        ifNoneMatch: true,
      });
      return {
        key,
        url: `${store.url}/${key}`,
        bytes: writer.size,
        files,
        sha256,
        durationMs: Math.round(performance.now() - started),
        skipped,
        outcome: archiveOutcome(skipped.map((x) => `left out ${x.path}: ${x.reason}`)),
      };
    } finally {
      await claim?.release();
      await this.cleanup();
    }
  }

  /** What save() would store, without storing anything. */
  async entries(): Promise<{ type: string; name: string; size?: number }[]> {
    const out: { type: string; name: string; size?: number }[] = [];
    const walkOpts = {
      leaveOut: await dirId(this.store().localDir),
      filter: makeFilter([], this.req.exclude),
      skipUnreadable: this.req.skipUnreadable,
      reporter: this.o.reporter ?? silentReporter,
      clock: this.o.clock ?? systemClock,
      onSkip: () => undefined,
    };
    for await (const e of walkSources(this.sources, walkOpts)) {
      out.push(
        e.type === 'file' ? { type: e.type, name: e.name, size: e.size } : { type: e.type, name: e.name },
      );
    }
    await this.cleanup();
    return out;
  }

  /** The bytes and files to archive, for progress (command output counts as a file of unknown size). */
  private async totals(
    walkOpts: Parameters<typeof walkSources>[1],
  ): Promise<{ bytes: number; files: number }> {
    let bytes = 0;
    let files = 0;
    for await (const e of walkSources(this.sources, { ...walkOpts, onSkip: () => undefined })) {
      if (e.type === 'file') bytes += e.size;
      if (e.type === 'file' || e.type === 'command') files += 1;
    }
    return { bytes, files };
  }

  private async cleanup(): Promise<void> {
    for (const d of this.tempDirs.splice(0)) await rm(d, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

/**
 * Removes what archive runs stopped midway (SIGKILL, a crash, a reboot) left in the target, once
 * older than `ageMs` by the store's clock: unfinished uploads of archives (S3) or temporary files
 * (local), and their name claims.
 */
async function removeLeftovers(
  store: ObjectStore,
  storeNow: Date,
  ageMs: number,
  reporter: Reporter,
): Promise<void> {
  const before = new Date(storeNow.getTime() - ageMs);
  const uploads = await store.abortStaleUploads('', before, (k) => parseArchiveKey(k) !== undefined);
  const plan = planLeftoverClaims(await collect(store.list(CLAIMS_PREFIX)), storeNow, ageMs);
  if (plan.remove.length) await store.delete(plan.remove.map((r) => r.key));
  if (uploads + plan.remove.length > 0) {
    reporter.event({
      level: 'info',
      type: 'archive.leftovers',
      message: `removed what stopped runs left: ${uploads} unfinished uploads or temporary files, ${plan.remove.length} name claims`,
    });
  }
}

/** Identifies a directory however it is reached (symlinks, bind mounts); undefined if there is none. */
async function dirId(path: string | undefined): Promise<{ dev: number; ino: number } | undefined> {
  const st = path === undefined ? undefined : await stat(path).catch(() => undefined);
  return st?.isDirectory() ? { dev: st.dev, ino: st.ino } : undefined;
}

/** An archive with a command output too large to hold was written with a patched header: hash it as stored. */
async function hashObject(store: ObjectStore, key: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of await store.get(key)) h.update(c as Buffer);
  return h.digest('hex');
}
