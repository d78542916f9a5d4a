import { link, open, readdir, rename, rm, stat, unlink, access, constants } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { CairnError, errnoCode, fromFsError, isCairnError } from '../core/errors.js';
import { checkKey } from './keys.js';
import { LocalWriter } from './local-writer.js';
import type { ObjectWriter, WriterOptions } from './object-writer.js';
import { copyHashing } from './copy-hashing.js';
import type { ObjectInfo, ObjectStore, PreparedFile, PutOptions, TransferOptions } from './object-store.js';
import { hashPool } from '../core/hash-pool.js';
import { mkdirPrivate, PRIVATE_FILE_MODE, tightenRoot } from './private-fs.js';

const TMP = '.cairn-tmp';

const notADirectory = (root: string): CairnError =>
  new CairnError('USAGE', `storage target ${root} is not a directory`, {
    hint: 'point --to/--from or $CAIRN_REPO at a directory (it is made if missing)',
  });

/**
 * A directory as object storage: each key is a file, written to a temporary
 * file and renamed into place (atomic), or linked into place where it must not
 * replace anything (`ifNoneMatch`, which fails on an existing name). `sync()`
 * makes all completed writes durable with one syncfs, so many small objects
 * cost one flush, not one each. Directories are made 0700 and files 0600.
 */
const existsAlready = (key: string): CairnError =>
  new CairnError('CONFLICT', `object ${key} already exists with other content`, {
    hint: 'names are written once; nothing was replaced',
  });

export class LocalStore implements ObjectStore {
  readonly url: string;
  private readonly madeDirs = new Set<string>();

  constructor(readonly root: string) {
    this.url = root;
  }

  get localDir(): string {
    return this.root;
  }

  private path(key: string): string {
    return join(this.root, ...checkKey(key));
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdirPrivate(dir);
    this.madeDirs.add(dir);
  }

  private async tempPath(): Promise<string> {
    const dir = join(this.root, TMP);
    await this.ensureDir(dir);
    return join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /**
   * Moves the finished temporary file to `key`. Exclusive: a hard link, which
   * fails on an existing name (rename would replace it), then the temporary
   * name is removed.
   */
  private async publish(tmp: string, key: string, exclusive: boolean): Promise<void> {
    const dest = this.path(key);
    await this.ensureDir(dirname(dest));
    if (!exclusive) {
      await rename(tmp, dest);
      return;
    }
    try {
      await link(tmp, dest);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') throw existsAlready(key);
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<void> {
    const tmp = await this.tempPath();
    try {
      const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE);
      try {
        await fh.chmod(PRIVATE_FILE_MODE);
        await fh.writeFile(body);
        if (options.durable !== false) await fh.sync();
      } finally {
        await fh.close();
      }
      await this.publish(tmp, key, options.ifNoneMatch === true);
    } catch (err) {
      await rm(tmp, { force: true });
      // A create that finds the very bytes it writes already stored has nothing left to do.
      if (isCairnError(err) && err.code === 'CONFLICT' && (await this.holds(key, body))) return;
      throw fromFsError(err, join(this.root, key), 'writing object');
    }
  }

  /** Whether `key` holds exactly `body`. */
  private async holds(key: string, body: Buffer): Promise<boolean> {
    const stored = await this.getBuffer(key, { maxBytes: body.length }).catch(() => undefined);
    return stored !== undefined && stored.equals(body);
  }

  async prepareFile(path: string, options: TransferOptions = {}): Promise<PreparedFile> {
    const tmp = await this.tempPath();
    let copied: { sha256: string; bytes: number };
    try {
      // Paced copies stay on this thread, where the gate is; others are copied in the kernel and
      // hashed on a hashing thread.
      copied = options.gate
        ? await copyHashing(path, tmp, options)
        : await hashPool().copyFile(path, tmp, { signal: options.signal });
    } catch (err) {
      await rm(tmp, { force: true });
      throw fromFsError(err, path, 'storing file');
    }
    let pending = true;
    return {
      ...copied,
      store: async (key) => {
        if (!pending) throw new CairnError('INTERNAL', `${path} was stored or discarded already`);
        await this.publish(tmp, key, false).catch((err: unknown) => {
          throw fromFsError(err, join(this.root, key), 'writing object');
        });
        pending = false;
        return { uploadedBytes: copied.bytes, resumedBytes: 0 };
      },
      discard: async () => {
        if (pending) await rm(tmp, { force: true });
        pending = false;
      },
    };
  }

  async get(key: string, options: { range?: { start: number; end: number } } = {}): Promise<Readable> {
    const p = this.path(key);
    const fh = await open(p, 'r').catch((err: unknown) => {
      throw fromFsError(err, p, 'reading object');
    });
    const r = options.range;
    return fh.createReadStream({ highWaterMark: 1 << 20, ...(r ? { start: r.start, end: r.end - 1 } : {}) });
  }

  async createWriter(key: string, options: WriterOptions = {}): Promise<ObjectWriter> {
    const dest = this.path(key);
    return LocalWriter.open(
      await this.tempPath(),
      async (tmp) => {
        await this.publish(tmp, key, options.ifNoneMatch === true).catch((err: unknown) => {
          throw fromFsError(err, dest, 'writing object');
        });
      },
      (tmp) => rm(tmp, { force: true }),
    );
  }

  async getBuffer(key: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const p = this.path(key);
    try {
      const fh = await open(p, 'r');
      try {
        const { size } = await fh.stat();
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          throw new CairnError(
            'INTEGRITY',
            `object ${key} is ${size} bytes, more than the ${options.maxBytes} allowed`,
          );
        }
        return await fh.readFile();
      } finally {
        await fh.close();
      }
    } catch (err) {
      throw fromFsError(err, p, 'reading object');
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await stat(this.path(key));
      return st.isFile() ? { key, size: st.size, lastModified: st.mtime } : undefined;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw fromFsError(err, this.path(key), 'reading object');
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const startDir = base ? join(this.root, ...checkKey(base)) : this.root;
    const keys: ObjectInfo[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
        throw fromFsError(err, dir, 'listing objects');
      }
      for (const e of entries) {
        const key = keyPrefix ? `${keyPrefix}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (key === TMP) continue;
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix)) await walk(join(dir, e.name), key);
        } else if (e.isFile() && key.startsWith(prefix)) {
          const st = await stat(join(dir, e.name)).catch(() => undefined);
          if (st) keys.push({ key, size: st.size, lastModified: st.mtime });
        }
      }
    };
    await walk(startDir, base);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      await unlink(this.path(key)).catch((err: unknown) => {
        if (errnoCode(err) !== 'ENOENT') throw fromFsError(err, this.path(key), 'deleting object');
      });
    }
  }

  async abortStaleUploads(_prefix: string, before: Date): Promise<number> {
    const dir = join(this.root, TMP);
    let n = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, name);
      const st = await stat(p).catch(() => undefined);
      if (st && st.mtime < before) {
        await rm(p, { force: true });
        n += 1;
      }
    }
    return n;
  }

  async check(options: { create?: boolean } = {}): Promise<void> {
    try {
      if (options.create) await mkdirPrivate(this.root);
      const st = await stat(this.root);
      if (!st.isDirectory()) throw notADirectory(this.root);
      if (options.create) await tightenRoot(this.root);
      await access(this.root, constants.W_OK | constants.R_OK);
    } catch (err) {
      if (isCairnError(err)) throw err;
      // mkdir of a path where a file is, or under one
      if (errnoCode(err) === 'EEXIST' || errnoCode(err) === 'ENOTDIR') throw notADirectory(this.root);
      if (errnoCode(err) === 'ENOENT') {
        throw new CairnError('NOT_FOUND', `storage target ${this.root} does not exist`, {
          cause: err,
          hint: 'nothing has been stored there yet; check --from/--to or $CAIRN_REPO',
        });
      }
      throw fromFsError(err, this.root, 'opening storage');
    }
  }

  /** Make every completed write under the root durable (one syncfs for the filesystem). */
  async sync(): Promise<void> {
    await promisify(execFile)('sync', ['-f', this.root + sep]).catch(() => undefined);
  }
}
