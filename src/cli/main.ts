import { Command, CommanderError, Option } from 'commander';
import { CairnError, isCairnError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { EXIT } from './exit-codes.js';
import { makeContext } from './context.js';
import type { CliContext, GlobalFlags } from './context.js';

export type Run = (ctx: CliContext) => Promise<number | void>;

/** Wraps a command's action: builds the context, runs it, maps errors to one line and an exit code. */
export interface Runner {
  run(cmd: Command, fn: Run): Promise<void>;
}

function printError(err: CairnError, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
  process.stderr.write(`cairn: ${err.message}\n`);
  if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
}

function toCairnError(err: unknown): CairnError {
  if (isCairnError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') return new CairnError('INTERRUPTED', 'interrupted');
  const msg = err instanceof Error ? err.message : String(err);
  return new CairnError('INTERNAL', `unexpected error: ${msg}`, {
    cause: err,
    hint: 'run again with CAIRN_DEBUG=1 for details, and report it',
  });
}

export function buildProgram(exit: { code: number }): {
  program: Command;
  runner: Runner;
  controller: AbortController;
} {
  const controller = new AbortController();
  const program = new Command('cairn')
    .description(
      'Backups for cloud servers: ship finished files to object storage, restore any point in time.',
    )
    .version(VERSION, '-V, --version')
    .option(
      '-c, --config <file>',
      'config file (default: $CAIRN_CONFIG, ./cairn.config.yaml, ~/.config/cairn/config.yaml, /etc/cairn/config.yaml)',
    )
    .option('--json', 'machine-readable output on stdout')
    .option('-q, --quiet', 'only errors on stderr')
    .option('-v, --verbose', 'every event on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `cairn: ${s.slice(7)}` : s),
    });
  program.addOption(new Option('--debug').hideHelp());

  const runner: Runner = {
    async run(cmd, fn) {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      let ctx: Awaited<ReturnType<typeof makeContext>> | undefined;
      try {
        ctx = await makeContext(g, controller.signal);
        const code = await fn(ctx);
        exit.code = code ?? 0;
      } catch (err) {
        const e = toCairnError(err);
        if (process.env.CAIRN_DEBUG) process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
        printError(e, g.json === true && !ctx?.out.printed);
        exit.code = EXIT[e.code];
      }
    },
  };
  return { program, runner, controller };
}

type Register = (program: Command, runner: Runner, controller: AbortController) => void;

/**
 * The command groups, each loaded only when it runs: the EC2 SDK alone costs
 * about 70 MiB of memory, which `ship` and `archive` should not carry.
 */
const GROUPS: Record<string, () => Promise<Register>> = {
  ship: async () => (await import('./ship.js')).registerShip,
  archive: async () => (await import('./archive.js')).registerArchive,
  snapshot: async () => (await import('./snapshot.js')).registerSnapshot,
  'iam-policy': async () => (await import('./iam-policy.js')).registerIamPolicy,
};

/** The first argument that is not an option, when it names a group: only that group is loaded. */
async function registerGroups(
  argv: string[],
  program: Command,
  runner: Runner,
  controller: AbortController,
): Promise<void> {
  const args = argv.slice(2);
  const first = args.find((a) => !a.startsWith('-'));
  // `cairn --version` needs no group: loading all of them (and the EC2 SDK) took a second.
  if (!first && args.some((a) => a === '-V' || a === '--version')) return;
  const names = first && first in GROUPS ? [first] : Object.keys(GROUPS);
  for (const name of names) {
    const load = GROUPS[name];
    if (load) (await load())(program, runner, controller);
  }
}

/** Runs the CLI with argv; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const exit = { code: 0 };
  // A failure nobody awaited is still reported as one line, never as a trace.
  process.on('unhandledRejection', (err) => {
    const e = toCairnError(err);
    if (process.env.CAIRN_DEBUG) process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    printError(e, false);
    process.exit(EXIT[e.code]);
  });
  const { program, runner, controller } = buildProgram(exit);
  try {
    await registerGroups(argv, program, runner, controller);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT.USAGE;
    }
    process.stderr.write(`cairn: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.INTERNAL;
  }
  return exit.code;
}
