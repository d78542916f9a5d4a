import { lilconfig } from 'lilconfig';
import type { LilconfigResult, Loader } from 'lilconfig';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { CairnError, errnoCode } from '../core/errors.js';
import { configSchema } from './schema.js';
import type { CairnConfig } from './schema.js';

export interface LoadedConfig {
  config: CairnConfig;
  /** The file it came from, or undefined when none was found. */
  file: string | undefined;
}

const yamlLoader: Loader = (_path, content) => parseYaml(content) as unknown;
const loaders = { '.yaml': yamlLoader, '.yml': yamlLoader, noExt: yamlLoader };

/** Where a config file is looked for, in order (the first found wins). */
export function searchPlaces(env: NodeJS.ProcessEnv, cwd: string): { dir: string; names: string[] }[] {
  return [
    { dir: cwd, names: ['cairn.config.yaml', 'cairn.config.yml', 'cairn.config.json'] },
    { dir: join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'cairn'), names: ['config.yaml'] },
    { dir: '/etc/cairn', names: ['config.yaml'] },
  ];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${path}: ${issue.message}`;
}

export function validateConfig(raw: unknown, file: string): CairnConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  throw new CairnError(
    'CONFIG',
    `invalid config file ${file}: ${first ? describeIssue(first) : 'invalid'}${more}`,
    {
      hint: 'see docs/config.md for every key',
    },
  );
}

async function read(fn: () => Promise<LilconfigResult>, where: string): Promise<LilconfigResult> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CairnError) throw err;
    if (errnoCode(err) === 'ENOENT') {
      throw new CairnError('CONFIG', `config file ${where} does not exist`, {
        cause: err,
        hint: 'check $CAIRN_CONFIG / --config, or unset it to use the usual places',
      });
    }
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CairnError('CONFIG', `cannot read config file ${where}: ${msg}`, {
      cause: err,
      hint: 'fix the YAML/JSON syntax, or point $CAIRN_CONFIG at another file',
    });
  }
}

/** Finds and validates the config file: $CAIRN_CONFIG, ./cairn.config.*, ~/.config/cairn, /etc/cairn. */
export async function loadConfig(
  options: { env?: NodeJS.ProcessEnv; cwd?: string; file?: string } = {},
): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? (env.CAIRN_CONFIG?.trim() || undefined);
  if (explicit) {
    const res = await read(() => lilconfig('cairn', { loaders }).load(explicit), explicit);
    if (!res) throw new CairnError('CONFIG', `config file ${explicit} is empty`);
    return { config: validateConfig(res.config, res.filepath), file: res.filepath };
  }
  for (const place of searchPlaces(env, cwd)) {
    const res = await read(
      () => lilconfig('cairn', { loaders, searchPlaces: place.names, stopDir: place.dir }).search(place.dir),
      place.dir,
    );
    if (res && !res.isEmpty) return { config: validateConfig(res.config, res.filepath), file: res.filepath };
  }
  return { config: {}, file: undefined };
}
