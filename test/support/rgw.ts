// A real S3 server for tests: a one-node Ceph cluster (one monitor, one
// BlueStore OSD on a sparse file) with the RADOS Gateway in front, all on
// loopback, in a temp dir of its own. Nothing touches /etc/ceph,
// /var/lib/ceph or systemd. Needs the binaries from scripts/install-test-deps.sh.
//
// Run directly (`node --import tsx test/support/rgw.ts`) it prints one JSON
// line with the endpoint and keys, then serves until SIGTERM/SIGINT or until
// its parent process dies.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, openSync, closeSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3TestServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export interface StartRgwOptions {
  /** Parent of the cluster's fresh temp dir (default: the OS temp dir). */
  dir?: string;
  /** Receives one line per start-up step. */
  log?: (line: string) => void;
}

const HOST = '127.0.0.1';
/** The monitor's v1 port; other ports were seen to fail authentication. */
const MON_PORT = 6789;
const REGION = 'us-east-1';
const ACCESS_KEY = 'CAIRNTESTACCESSKEY';
const SECRET_KEY = 'cairn-test-secret-key-0123456789abcdef';
/** The OSD's sparse file: 10 GiB unless CAIRN_TEST_OSD_GIB says otherwise (long benchmark sessions). */
const OSD_BYTES = (Number(process.env.CAIRN_TEST_OSD_GIB) || 10) * 1024 ** 3;
const BRING_UP_ATTEMPTS = 3;
/** A key of the gateway's built-in test KMS, so SSE-KMS writes can be tested (plain HTTP allowed). */
export const KMS_KEY_ID = 'cairn-test-kms-key';
const KMS_KEY = Buffer.from('cairn-test-kms-key-material-0032').toString('base64');
const BINARIES = ['ceph', 'ceph-mon', 'ceph-osd', 'ceph-authtool', 'monmaptool', 'radosgw', 'radosgw-admin'];

function cephConf(dir: string, fsid: string, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = [v1:${HOST}:${MON_PORT}]
mon initial members = a
public addr = ${HOST}
cluster addr = ${HOST}
ms bind msgr2 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
mon warn on insecure global id reclaim allowed = false
mon warn on pool no redundancy = false
# A nearly full disk is the test machine's business, not a health warning.
mon data avail warn = 1
mon max pg per osd = 1000
mon allow pool delete = true
paxos propose interval = 0.1
paxos min wait = 0.01
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd objectstore = bluestore
osd memory target = 1073741824
# The OSD places itself in the CRUSH map with commands of its own when it starts. When those
# leave before the monitor's map reaches it, they carry an empty cluster id, the monitor refuses
# them as 'wrong fsid' and the OSD exits. bringUp places the OSD with the ceph tool instead.
osd crush update on start = false
osd class update on start = false
run dir = ${dir}/run
admin socket =
log file = ${dir}/log/$name.log
pid file =
crash dir = ${dir}/crash
keyring = ${dir}/keyring
mon data = ${dir}/mon/$id
osd data = ${dir}/osd/$id

[client.rgw]
rgw frontends = beast endpoint=${HOST}:${rgwPort}
rgw data = ${dir}/rgw
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = ${KMS_KEY_ID}=${KMS_KEY}
`;
}

function tail(file: string, lines = 25): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function tails(files: string[]): string {
  return files.map((f) => `\n--- last lines of ${f} ---\n${tail(f)}`).join('');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function missingBinaries(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return BINARIES.filter(
    (b) =>
      !dirs.some((d) => {
        try {
          accessSync(join(d, b), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

function listenOn(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, HOST, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(got));
    });
  });
}

async function waitUntilFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await listenOn(port)) === null) {
    if (performance.now() > deadline) throw new Error(`port ${port} on ${HOST} is still busy`);
    await sleep(250);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: HOST, port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

interface Daemon {
  name: string;
  child: ChildProcess;
  logs: string[];
  exited: Promise<void>;
}

/** The processes and files of one cluster. */
class Cluster {
  readonly daemons: Daemon[] = [];
  private readonly killOnExit = () => this.killSync();

  constructor(
    readonly dir: string,
    readonly conf: string,
  ) {
    process.on('exit', this.killOnExit);
  }

  log(name: string): string {
    return join(this.dir, 'log', name);
  }

  /** Runs a one-shot command; its failure carries its stderr and the given logs. */
  run(cmd: string, args: string[], timeoutMs: number, logs: string[] = []): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        cmd,
        args,
        { cwd: this.dir, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const why = err.killed ? `timed out after ${timeoutMs} ms` : err.message.split('\n')[0];
          reject(
            new Error(
              `${cmd} ${args.join(' ')}: ${why}\n${String(stderr).trim().slice(-2000)}${tails(logs)}`,
            ),
          );
        },
      );
    });
  }

  ceph(args: string[], timeoutMs = 15_000, logs: string[] = []): Promise<string> {
    return this.run('ceph', ['-c', this.conf, '--connect-timeout', '5', ...args], timeoutMs, logs);
  }

  /** Starts a daemon in the foreground, detached in its own process group. */
  spawn(name: string, cmd: string, args: string[], logs: string[]): Daemon {
    const out = join(this.dir, 'log', `${name}.out`);
    const fd = openSync(out, 'a');
    const child = spawn(cmd, args, { cwd: this.dir, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const daemon = { name, child, logs: [out, ...logs], exited };
    this.daemons.push(daemon);
    return daemon;
  }

  /** Polls `check` until it holds; fails early if `daemon` dies, and with its logs on timeout. */
  async waitFor(
    what: string,
    daemon: Daemon,
    timeoutMs: number,
    check: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { exitCode, signalCode } = daemon.child;
      if (exitCode !== null || signalCode !== null) {
        throw new Error(
          `${daemon.name} exited (${exitCode ?? signalCode}) while waiting for ${what}${tails(daemon.logs)}`,
        );
      }
      if (await check().catch(() => false)) return;
      if (performance.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${tails(daemon.logs)}`);
      }
      await sleep(500);
    }
  }

  private static kill(d: Daemon, sig: NodeJS.Signals): void {
    if (d.child.pid === undefined || d.child.exitCode !== null || d.child.signalCode !== null) return;
    try {
      process.kill(-d.child.pid, sig);
    } catch {
      // the group is already gone
    }
  }

  killSync(): void {
    for (const d of this.daemons) Cluster.kill(d, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Stops the daemons in reverse start order, so each can still reach the
   * monitor while it shuts down: SIGTERM, then SIGKILL after a short grace
   * (radosgw takes about 10 s to stop by itself; the data is throwaway).
   */
  async stop(): Promise<void> {
    for (const d of [...this.daemons].reverse()) {
      Cluster.kill(d, 'SIGTERM');
      await Promise.race([d.exited, sleep(1500)]);
      Cluster.kill(d, 'SIGKILL');
      await Promise.race([d.exited, sleep(5000)]);
    }
    await rm(this.dir, { recursive: true, force: true });
    process.removeListener('exit', this.killOnExit);
  }
}

async function bringUp(c: Cluster, rgwPort: number, say: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const step = (line: string) => say(`${line} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const { dir, conf } = c;
  const fsid = randomUUID();
  await Promise.all(
    ['mon', 'osd/0', 'run', 'log', 'rgw', 'crash'].map((d) => mkdir(join(dir, d), { recursive: true })),
  );
  await writeFile(conf, cephConf(dir, fsid, rgwPort));

  const monLog = c.log('mon.a.log');
  await c.run(
    'monmaptool',
    ['--create', '--fsid', fsid, '--addv', 'a', `[v1:${HOST}:${MON_PORT}]`, join(dir, 'monmap')],
    10_000,
  );
  await c.run(
    'ceph-authtool',
    ['--create-keyring', join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *'],
    10_000,
  );
  await c.run('ceph-mon', ['-c', conf, '-i', 'a', '--mkfs', '--monmap', join(dir, 'monmap')], 30_000, [
    monLog,
  ]);
  const mon = c.spawn('mon', 'ceph-mon', ['-c', conf, '-i', 'a', '-f'], [monLog]);
  await c.waitFor('the monitor to form a quorum', mon, 30_000, async () => {
    await c.ceph(['quorum_status'], 10_000);
    return true;
  });
  step(`monitor up on ${HOST}:${MON_PORT}`);

  const osdLog = c.log('osd.0.log');
  const osdUuid = randomUUID();
  const osdId = (await c.ceph(['osd', 'new', osdUuid], 30_000, [monLog])).trim();
  if (osdId !== '0')
    throw new Error(`expected the monitor to give the new OSD id 0, got ${JSON.stringify(osdId)}`);
  await c.ceph(['osd', 'crush', 'add', 'osd.0', '1.0', 'root=default'], 30_000, [monLog]);
  const block = join(dir, 'osd', 'block');
  const fh = await open(block, 'w');
  await fh.truncate(OSD_BYTES); // sparse: takes space only as data is written
  await fh.close();
  await symlink(block, join(dir, 'osd', '0', 'block'));
  await c.run('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], 120_000, [osdLog]);
  step('OSD formatted');
  const osd = c.spawn('osd', 'ceph-osd', ['-c', conf, '-i', '0', '-f'], [osdLog, monLog]);
  await c.waitFor('the OSD to come up', osd, 60_000, async () => {
    const dump = JSON.parse(await c.ceph(['osd', 'dump', '--format', 'json'])) as {
      osds?: { up?: number }[];
    };
    return dump.osds?.[0]?.up === 1;
  });
  step(`OSD up (BlueStore on a sparse ${OSD_BYTES / 1024 ** 3} GiB file)`);

  const rgwLog = c.log('client.rgw.log');
  const rgw = c.spawn('radosgw', 'radosgw', ['-c', conf, '-n', 'client.rgw', '-f'], [rgwLog, osdLog]);
  await c.waitFor(`the gateway to listen on ${HOST}:${rgwPort}`, rgw, 90_000, () => accepts(rgwPort));
  step(`radosgw listening on ${HOST}:${rgwPort}`);

  await c.run(
    'radosgw-admin',
    [
      '-c',
      conf,
      '-n',
      'client.admin',
      'user',
      'create',
      '--uid=cairn-test',
      '--display-name=cairn tests',
      `--access-key=${ACCESS_KEY}`,
      `--secret-key=${SECRET_KEY}`,
    ],
    60_000,
    [rgwLog],
  );
  const s3 = new S3Client({
    endpoint: `http://${HOST}:${rgwPort}`,
    region: REGION,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  try {
    await c.waitFor('the gateway to answer S3 ListBuckets', rgw, 30_000, async () => {
      await s3.send(new ListBucketsCommand({}));
      return true;
    });
  } finally {
    s3.destroy();
  }
  step('S3 answers');
}

/** Starts a fresh cluster and gateway; resolves once S3 requests succeed. */
export async function startRgw(opts: StartRgwOptions = {}): Promise<S3TestServer> {
  return (await launch(opts)).server;
}

async function launch(opts: StartRgwOptions): Promise<{ server: S3TestServer; died: Promise<string> }> {
  const say = opts.log ?? (() => {});
  const missing = missingBinaries();
  if (missing.length) {
    throw new Error(
      `the S3 test server needs ${missing.join(', ')}: run scripts/install-test-deps.sh as root`,
    );
  }
  if ((await listenOn(MON_PORT)) === null) {
    throw new Error(
      `port ${MON_PORT} on ${HOST} is busy: probably a Ceph monitor from an earlier run is still up ` +
        "(see `pgrep -a 'ceph|radosgw'`); stop it and try again",
    );
  }
  const rgwPort = await listenOn(0);
  if (rgwPort === null) throw new Error(`found no free port on ${HOST} for the gateway`);
  const base = opts.dir ?? tmpdir();
  await mkdir(base, { recursive: true });
  // Should a cluster still fail to come up for a reason of Ceph's own, a fresh one is tried.
  let cluster: Cluster | undefined;
  for (let attempt = 1; !cluster; attempt++) {
    const dir = await mkdtemp(join(base, 'cairn-rgw-'));
    const c = new Cluster(dir, join(dir, 'ceph.conf'));
    try {
      await bringUp(c, rgwPort, say);
      cluster = c;
    } catch (err) {
      await c.stop();
      if (attempt >= BRING_UP_ATTEMPTS) throw err;
      say(`${err instanceof Error ? err.message : String(err)}; starting a fresh cluster`);
      await waitUntilFree(MON_PORT, 30_000);
    }
  }
  let stopped: Promise<void> | undefined;
  const server: S3TestServer = {
    endpoint: `http://${HOST}:${rgwPort}`,
    region: REGION,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    stop: () => (stopped ??= cluster.stop()),
  };
  const died = Promise.race(
    cluster.daemons.map((d) =>
      d.exited.then(() => `${d.name} exited (${d.child.exitCode ?? d.child.signalCode})${tails(d.logs)}`),
    ),
  );
  return { server, died };
}

/** The command-line entry: one JSON line on stdout, then serve until told to stop. */
export async function startRgwCli(): Promise<void> {
  const say = (line: string) => process.stderr.write(`rgw: ${line}\n`);
  let launched: Awaited<ReturnType<typeof launch>>;
  try {
    launched = await launch({ log: say });
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  const { server, died } = launched;
  const { endpoint, region, accessKeyId, secretAccessKey } = server;
  process.stdout.write(`${JSON.stringify({ endpoint, region, accessKeyId, secretAccessKey })}\n`);

  const parent = process.ppid;
  let stopping = false;
  const shutdown = (code: number, why: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    say(`stopping: ${why}`);
    void server.stop().finally(() => process.exit(code));
  };
  // Keeps the process alive, and stops the cluster if whoever started it is gone.
  const watch = setInterval(() => {
    if (process.ppid !== parent) shutdown(0, 'parent process exited');
  }, 1000);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => shutdown(0, sig));
  void died.then((why) => shutdown(1, why));
}

const invoked = process.argv[1];
if (invoked && import.meta.url === pathToFileURL(realpathSync(invoked)).href) {
  void startRgwCli();
}
