import { lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Stats } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { CairnError, errnoCode, fromFsError, isCairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { retry } from '../core/retry.js';
import type { ByteRate } from '../core/rate.js';
import type { MemoryBudget } from '../core/budget.js';
import type { ObjectStore, PreparedFile } from '../storage/object-store.js';
import { isTransient } from '../storage/s3-errors.js';
import { isChangedWhileStored } from '../storage/file-version.js';
import { isUnder, listManifests, newestPerSeries, readManifestChecked } from './catalog.js';
import { manifestKey, objectKey, OBJECTS_PREFIX, shaFromObjectKey } from './layout.js';
import { encodeManifest } from './manifest.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import { readAndHash } from './hash.js';
import { References } from './references.js';
import type { PathFilter } from '../core/path-filter.js';
import { ShipStats } from './stats.js';
import { escapeName, readDirEntries } from '../core/utf8-names.js';

export interface ShipperOptions {
  host: string;
  /** Absolute watched paths. */
  roots: string[];
  recursive: boolean;
  filter: PathFilter;
  /** Files read into memory whole (hashed and uploaded from one read) up to this size. */
  smallFileBytes: number;
  rate?: ByteRate | undefined;
  /** Bytes of file data held in memory at once, across all files in flight. */
  budget: MemoryBudget;
  /** Retry attempts for transient storage errors (Infinity in the daemon). */
  attempts: number;
  signal?: AbortSignal | undefined;
}

export interface ShipperDeps {
  store: ObjectStore;
  clock: Clock;
  reporter: Reporter;
}

interface Shipped {
  size: number;
  mtimeMs: number;
  /** Undefined when learnt from a manifest written before ctime and inode were recorded. */
  ctimeMs: number | undefined;
  ino: number | undefined;
  /** Undefined when learnt from a manifest: device numbers are not stored, they can change across boots. */
  dev: number | undefined;
  mode: number;
  /** Undefined when learnt from a manifest written before owners were recorded. */
  uid: number | undefined;
  gid: number | undefined;
  sha256: string;
}

export type ShipOutcome =
  'uploaded' | 'stored-already' | 'unchanged' | 'changed' | 'gone' | 'skipped' | 'failed';

/**
 * Whether the file is still the one read for `a`. Size and mtime are not
 * enough: `cp -p`, `rsync -t` or `touch -r` change the content and set mtime
 * back. ctime cannot be set back, so any such change moves it (as does chmod,
 * chown or a new hard link: the file is then read again, and uploaded only if
 * its content is new); another inode is another file renamed into place. A
 * record without ctime or inode (an old manifest) never matches.
 */
const sameFile = (a: Shipped, st: Stats): boolean =>
  a.size === st.size &&
  a.mtimeMs === st.mtimeMs &&
  a.ctimeMs === st.ctimeMs &&
  a.ino === st.ino &&
  (a.dev === undefined || a.dev === st.dev);

/**
 * Ships files and writes directory manifests. Used by `ship backup` (once) and
 * `ship watch` (for every finished file). Objects are written before any
 * manifest that refers to them, so a crash at any point leaves no manifest
 * pointing at a missing object.
 */
export class Shipper {
  readonly stats = new ShipStats();
  private readonly files = new Map<string, Shipped>();
  private readonly byInode = new Map<string, Shipped>();
  private readonly refs = new References();
  private readonly dirty = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly lastWritten = new Map<string, string>();
  private readonly notUtf8 = new Set<string>();
  private lastStamp = 0;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: ShipperDeps,
    private readonly o: ShipperOptions,
  ) {}

  private withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retry(fn, {
      attempts: this.o.attempts,
      baseMs: 250,
      maxMs: 30_000,
      retryable: isTransient,
      signal: this.o.signal,
      onRetry: (err, attempt, delayMs) => {
        this.stats.retries += 1;
        this.deps.reporter.event({
          level: 'warn',
          type: 'ship.retry',
          message: `${what}: ${err instanceof Error ? err.message : String(err)}; retrying in ${delayMs} ms (attempt ${attempt})`,
        });
      },
    });
  }

  /** Learns what is already shipped from the newest manifest of each directory: one listing plus one read per directory. */
  async load(): Promise<void> {
    const refs = await this.withRetry('listing manifests', () => listManifests(this.deps.store, this.o.host));
    const now = this.deps.clock.now();
    for (const ref of newestPerSeries(refs)) {
      this.lastStamp = Math.max(this.lastStamp, ref.time.getTime());
      if (!this.o.roots.some((r) => isUnder(ref.dir, r))) continue;
      const read = await this.withRetry(`reading ${ref.key}`, () =>
        readManifestChecked(this.deps.store, ref),
      );
      if ('damaged' in read) {
        // Its directory is looked at as if never shipped: its files are hashed (and found stored),
        // and a new manifest replaces it as the newest.
        this.deps.reporter.event({
          level: 'warn',
          type: 'ship.damaged-manifest',
          message: `${read.damaged.error.message}; skipped, its directory gets a new manifest`,
          key: ref.key,
          hint: 'cairn ship verify names every damaged manifest',
        });
        continue;
      }
      const m = read.manifest;
      for (const f of m.files) {
        const rec: Shipped = {
          size: f.size,
          mtimeMs: f.mtimeMs,
          ctimeMs: f.ctimeMs,
          ino: f.ino,
          dev: undefined,
          mode: f.mode,
          uid: f.uid,
          gid: f.gid,
          sha256: f.sha256,
        };
        this.files.set(join(m.dir, f.name), rec);
      }
      this.refs.setCurrent(m.dir, new Set(m.files.map((f) => f.sha256)), now);
      this.lastWritten.set(m.dir, entriesFingerprint(m.files));
    }
  }

  /**
   * Lists every stored object once, so shipping many new files needs no request per file to find
   * duplicates, and so that no object found missing is named again: a file whose shipped content
   * is missing from the store is read and stored again, not counted as shipped.
   */
  async loadObjectIndex(): Promise<void> {
    const started = this.deps.clock.now();
    const seen = new Set<string>();
    await this.withRetry('listing objects', async () => {
      for await (const o of this.deps.store.list(OBJECTS_PREFIX)) {
        const sha = shaFromObjectKey(o.key);
        if (!sha) continue;
        seen.add(sha);
        this.refs.noteStored(sha, o.lastModified);
      }
    });
    this.refs.listed(seen, started);
    for (const [path, rec] of this.files) {
      if (this.refs.knownStored(rec.sha256)) continue;
      this.files.delete(path);
      this.deps.reporter.event({
        level: 'warn',
        type: 'ship.object-missing',
        message: `the stored content of ${path} (${rec.sha256.slice(0, 12)}…) is missing from the store; storing it again`,
        path,
        sha256: rec.sha256,
      });
    }
    for (const [inode, rec] of this.byInode)
      if (!this.refs.knownStored(rec.sha256)) this.byInode.delete(inode);
  }

  /** True when the file at `path` was shipped as it is now (by size, mtime, ctime and inode). */
  isShipped(path: string, st: Stats): boolean {
    const rec = this.files.get(path);
    if (!rec || !sameFile(rec, st)) return false;
    // Learnt from a manifest written before owners were recorded: a chown would have moved ctime.
    rec.uid ??= st.uid;
    rec.gid ??= st.gid;
    if (rec.dev === undefined) {
      // Learnt from a manifest, which holds no device: adopt this one, so hard links of it are known.
      rec.dev = st.dev;
      this.byInode.set(`${st.dev}:${st.ino}`, rec);
    }
    return true;
  }

  async shipFile(path: string): Promise<ShipOutcome> {
    let st: Stats;
    try {
      st = await lstat(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        this.markDirty(dirname(path));
        return 'gone';
      }
      return this.failed(path, fromFsError(err, path, 'reading file'));
    }
    if (!st.isFile()) return 'skipped';
    if (this.isShipped(path, st)) return 'unchanged';
    try {
      const outcome = await this.store(path, st);
      if (outcome !== 'changed') this.markDirty(dirname(path));
      return outcome;
    } catch (err) {
      if (this.o.signal?.aborted) throw err;
      // The store found the change (a large file, checked again before its upload completes).
      if (isChangedWhileStored(err)) return this.changed(path);
      return this.failed(path, err);
    }
  }

  /** Not finished: the caller decides what that means (the daemon waits for the file's next event). */
  private changed(path: string): ShipOutcome {
    this.deps.reporter.event({
      level: 'debug',
      type: 'ship.changed',
      message: `${path} changed while being read`,
      path,
    });
    return 'changed';
  }

  /**
   * A file or directory under `dir` whose name is not valid UTF-8 (`name` escaped): a manifest
   * cannot hold the name, so it is not shipped, and said so once (the daemon finds it at every
   * rescan). Until it is renamed, every point in time lacks it: that is worth a warning, not a debug line.
   */
  nameNotUtf8(dir: string, name: string, isDirectory: boolean): void {
    const path = join(escapeName(Buffer.from(dir)), name);
    if (this.notUtf8.has(path)) return;
    this.notUtf8.add(path);
    this.stats.namesNotUtf8 += 1;
    this.deps.reporter.event({
      level: 'warn',
      type: 'ship.name-not-utf8',
      message: `left out ${isDirectory ? 'directory ' : ''}${path}: its name is not valid UTF-8, which a manifest cannot hold${isDirectory ? '; nothing in it is shipped' : ''}`,
      path,
      dir,
      name,
      hint: `rename it to ship it: mv $'${path}' NEW-NAME`,
    });
  }

  private failed(path: string, err: unknown): ShipOutcome {
    this.stats.failures += 1;
    const e = isCairnError(err) ? err : fromFsError(err, path, 'shipping');
    this.deps.reporter.event({
      level: 'error',
      type: 'ship.error',
      message: e.message,
      path,
      code: e.code,
      ...(e.hint ? { hint: e.hint } : {}),
    });
    return 'failed';
  }

  private async store(path: string, st: Stats): Promise<ShipOutcome> {
    const linked = this.byInode.get(`${st.dev}:${st.ino}`);
    // A hard link of a file shipped already is not read again, while its object may be named as it is.
    const known =
      linked && sameFile(linked, st) && this.refs.fresh(linked.sha256, this.deps.clock.now())
        ? linked.sha256
        : undefined;
    // A small file is held in memory from its read to its upload: that counts against the budget.
    const small = known === undefined && st.size <= this.o.smallFileBytes;
    const release = small ? await this.o.budget.take(st.size) : () => undefined;
    try {
      return await this.storeContent(path, st, known, small);
    } finally {
      release();
    }
  }

  private async storeContent(
    path: string,
    st: Stats,
    known: string | undefined,
    small: boolean,
  ): Promise<ShipOutcome> {
    let sha256: string;
    let body: Buffer | undefined;
    let prepared: PreparedFile | undefined;
    const rate = this.o.rate;
    if (known) {
      sha256 = known; // a hard link of a file already shipped: no need to read it
    } else if (small) {
      try {
        ({ body, sha256 } = await readAndHash(path));
      } catch (err) {
        throw fromFsError(err, path, 'reading file');
      }
    } else {
      prepared = await this.deps.store.prepareFile(path, {
        signal: this.o.signal,
        budget: this.o.budget,
        gate: rate ? (n, signal) => rate.take(n, signal) : undefined,
      });
      sha256 = prepared.sha256;
    }
    try {
      return await this.record(path, st, sha256, body, prepared);
    } finally {
      await prepared?.discard();
    }
  }

  private async record(
    path: string,
    st: Stats,
    sha256: string,
    body: Buffer | undefined,
    prepared: PreparedFile | undefined,
  ): Promise<ShipOutcome> {
    // ctime is not compared here: a hard link made while the file was read (a database snapshot)
    // changes no byte. A change this check misses (one that sets mtime back) moves ctime past the
    // `st.ctimeMs` recorded below, so the file is read again at its next look.
    const after = await lstat(path).catch(() => undefined);
    const size = prepared?.bytes ?? body?.length ?? st.size;
    if (
      !after ||
      after.size !== st.size ||
      after.mtimeMs !== st.mtimeMs ||
      after.ino !== st.ino ||
      size !== st.size
    ) {
      return this.changed(path);
    }
    // Identical content already on its way (a hard link, a copy): wait for it rather than send it twice.
    // The marker is set before any await, so two files with one content never both decide to upload.
    for (let prior = this.inflight.get(sha256); prior; prior = this.inflight.get(sha256)) await prior;
    const job = (async (): Promise<boolean> => {
      if (await this.reusable(sha256)) return false;
      await this.upload(path, sha256, body, prepared);
      return true;
    })();
    const marker = job.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.set(sha256, marker);
    let needsUpload: boolean;
    try {
      needsUpload = await job;
    } finally {
      if (this.inflight.get(sha256) === marker) this.inflight.delete(sha256);
    }
    if (!needsUpload) this.stats.filesStoredAlready += 1;
    const rec: Shipped = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs,
      ino: st.ino,
      dev: st.dev,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      sha256,
    };
    this.files.set(path, rec);
    this.byInode.set(`${st.dev}:${st.ino}`, rec);
    this.stats.bytesShipped += st.size;
    this.deps.reporter.event({
      level: 'info',
      type: 'ship.file',
      message: `${needsUpload ? 'stored' : 'already stored'} ${path}`,
      path,
      bytes: st.size,
      sha256,
      uploaded: needsUpload,
    });
    return needsUpload ? 'uploaded' : 'stored-already';
  }

  private async upload(
    path: string,
    sha256: string,
    body: Buffer | undefined,
    prepared: PreparedFile | undefined,
  ): Promise<void> {
    const key = objectKey(sha256);
    const started = this.deps.clock.now();
    const rate = this.o.rate;
    if (prepared) {
      const r = await this.withRetry(`storing ${path}`, () =>
        prepared.store(key, {
          signal: this.o.signal,
          budget: this.o.budget,
          gate: rate ? (n, signal) => rate.take(n, signal) : undefined,
        }),
      );
      this.stats.bytesUploaded += r.uploadedBytes;
      this.stats.bytesResumed += r.resumedBytes;
      if (r.resumedBytes > 0) {
        // An object completed from an upload begun by an earlier run may carry that run's time
        // (S3 dates a multipart object by its start): what counts is the age the store reports.
        if (await this.storedYoung(sha256)) {
          this.stats.filesUploaded += 1;
          return;
        }
        const again = await this.withRetry(`storing ${path}`, () =>
          prepared.store(key, {
            signal: this.o.signal,
            budget: this.o.budget,
            gate: rate ? (n, signal) => rate.take(n, signal) : undefined,
          }),
        );
        this.stats.bytesUploaded += again.uploadedBytes;
      }
    } else if (body) {
      await rate?.take(body.length, this.o.signal);
      await this.withRetry(`storing ${path}`, () =>
        this.deps.store.put(key, body, { signal: this.o.signal, durable: false, sha256 }),
      );
      this.stats.bytesUploaded += body.length;
    } else {
      throw new CairnError('INTERNAL', `${path}: nothing to store`);
    }
    this.refs.noteStored(sha256, started);
    this.stats.filesUploaded += 1;
  }

  /** Notes the object's age as the store reports it; true if young enough to be named. */
  private async storedYoung(sha: string): Promise<boolean> {
    const info = await this.withRetry('checking object', () => this.deps.store.head(objectKey(sha)));
    if (!info) return false;
    this.refs.noteStored(sha, info.lastModified, { exact: true });
    return this.refs.fresh(sha, this.deps.clock.now());
  }

  /** Whether an object with this content may be referenced without storing it again (see References). */
  private async reusable(sha: string): Promise<boolean> {
    const now = this.deps.clock.now();
    if (this.refs.fresh(sha, now)) return true;
    if (this.refs.listedAll && !this.refs.knownStored(sha)) return false;
    const info = await this.withRetry('checking object', () => this.deps.store.head(objectKey(sha)));
    if (!info) return false;
    this.refs.noteStored(sha, info.lastModified);
    return this.refs.fresh(sha, now);
  }

  /** The directories that have a manifest: a run looks at each, so one that is gone or emptied gets an empty one. */
  get knownDirs(): string[] {
    return [...this.lastWritten.keys()];
  }

  markDirty(dir: string): void {
    this.dirty.add(dir);
  }

  get pendingDirs(): number {
    return this.dirty.size;
  }

  /** Writes a manifest for every directory that changed; serialised, so manifests of one directory never race. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    if (this.dirty.size === 0) return;
    const dirs = [...this.dirty];
    this.dirty.clear();
    const built: { dir: string; files: ManifestEntry[] }[] = [];
    for (const dir of dirs) {
      const files = await this.entriesOf(dir);
      if (this.lastWritten.get(dir) === entriesFingerprint(files)) continue;
      if (files.length === 0 && !this.lastWritten.has(dir)) continue;
      built.push({ dir, files });
    }
    if (built.length === 0) return;
    // One time for every manifest of a flush, so that the directories of one run are one point in
    // time; stamps only move forward, so the newest manifest of a series is the last one written.
    const t = Math.max(this.deps.clock.now().getTime(), this.lastStamp + 1);
    this.lastStamp = t;
    const time = new Date(t);
    try {
      await this.withRetry('flushing storage', () => this.deps.store.sync());
      for (const b of built) await this.writeManifest(b.dir, b.files, time);
    } catch (err) {
      for (const b of built)
        if (this.lastWritten.get(b.dir) !== entriesFingerprint(b.files)) this.dirty.add(b.dir);
      // Storage was away so long that the evidence for an object went stale: the next flush
      // leaves such files out until they are stored again (entriesOf), and writes the rest.
      if (err instanceof StaleEvidence) {
        this.deps.reporter.event({ level: 'debug', type: 'ship.stale-evidence', message: err.message });
        return;
      }
      throw err;
    }
  }

  private async entriesOf(dir: string): Promise<ManifestEntry[]> {
    let names: string[];
    try {
      // Names that are not valid UTF-8 were never shipped; read as strings, one could pass for a
      // shipped file whose name holds U+FFFD and list it twice.
      names = (await readDirEntries(dir)).entries.filter((e) => e.isFile).map((e) => e.name);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
      throw fromFsError(err, dir, 'listing directory');
    }
    const now = this.deps.clock.now();
    const current = this.refs.currentOf(dir);
    const out: ManifestEntry[] = [];
    for (const name of names.sort()) {
      const path = join(dir, name);
      const rec = this.files.get(path);
      if (!rec) continue;
      if (!current?.has(rec.sha256) && !this.refs.fresh(rec.sha256, now)) {
        // Evidence went stale while waiting (storage was down for long): store it again first.
        this.files.delete(path);
        this.stats.requeued += 1;
        continue;
      }
      out.push({
        name,
        size: rec.size,
        mtimeMs: rec.mtimeMs,
        ctimeMs: rec.ctimeMs,
        ino: rec.ino,
        mode: rec.mode,
        uid: rec.uid,
        gid: rec.gid,
        sha256: rec.sha256,
      });
    }
    return out;
  }

  private async writeManifest(dir: string, files: ManifestEntry[], time: Date): Promise<void> {
    const now = this.deps.clock.now();
    const m: Manifest = { version: 1, host: this.o.host, dir, time: time.toISOString(), files };
    const key = manifestKey(this.o.host, dir, time);
    await this.withRetry(`writing manifest for ${dir}`, () => {
      // Checked before every attempt, not once: prune relies on a manifest naming only objects
      // seen young (or stored) less than EVIDENCE_WINDOW_MS before it is written.
      const at = this.deps.clock.now();
      const stale = files.find((f) => !this.refs.fresh(f.sha256, at));
      if (stale)
        throw new StaleEvidence(`manifest of ${dir} not written: ${stale.name} must be stored again first`);
      return this.deps.store.put(key, encodeManifest(m), {
        ifNoneMatch: true,
        contentType: 'application/json',
      });
    });
    this.refs.setCurrent(dir, new Set(files.map((f) => f.sha256)), now);
    this.lastWritten.set(dir, entriesFingerprint(files));
    this.stats.manifestsWritten += 1;
    this.deps.reporter.event({
      level: 'info',
      type: 'ship.manifest',
      message: `manifest of ${dir} (${files.length} files)`,
      dir,
      key,
      files: files.length,
    });
  }
}

/** A manifest would name an object whose evidence of being kept by prune went stale. */
class StaleEvidence extends Error {}

/**
 * What a new manifest would change. ctime and inode count: a manifest that
 * lacks them (an old one) or holds stale ones would have the file read again
 * at every start, so it is replaced even when the content is the same.
 */
function entriesFingerprint(files: readonly ManifestEntry[]): string {
  return files
    .map((f) => `${f.name}\0${f.sha256}\0${f.mtimeMs}\0${f.ctimeMs}\0${f.ino}\0${f.mode}`)
    .join('\n');
}
