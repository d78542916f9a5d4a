import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CairnError } from '../core/errors.js';

export type Target = { kind: 'local'; root: string } | { kind: 's3'; bucket: string; prefix: string };

export const DEFAULT_LOCAL_REPO = join(homedir(), '.local', 'share', 'cairn');

/** The target when none is given: $CAIRN_REPO, else ~/.local/share/cairn. */
export function defaultTargetString(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAIRN_REPO && env.CAIRN_REPO.trim() !== '' ? env.CAIRN_REPO : DEFAULT_LOCAL_REPO;
}

/** `s3://bucket/prefix`, `file:///abs/path`, or a plain path. */
export function parseTarget(text: string, cwd = process.cwd()): Target {
  const s = text.trim();
  if (s === '')
    throw new CairnError('USAGE', 'empty storage target', { hint: 'use s3://bucket/prefix or a path' });
  if (s.startsWith('s3://')) {
    const rest = s.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new CairnError('USAGE', `invalid bucket name "${bucket}" in ${text}`, {
        hint: 'bucket names are 3-63 lowercase letters, digits, dots and hyphens: s3://my-bucket/prefix',
      });
    }
    return { kind: 's3', bucket, prefix };
  }
  if (s.startsWith('file://')) {
    let p: string;
    try {
      p = fileURLToPath(s);
    } catch (err) {
      throw new CairnError('USAGE', `invalid file URL ${text}`, {
        cause: err,
        hint: 'use file:///absolute/path',
      });
    }
    return { kind: 'local', root: p };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new CairnError('USAGE', `unsupported storage target ${text}`, {
      hint: 'use s3://bucket/prefix, file:///path or a plain path',
    });
  }
  const expanded = s === '~' || s.startsWith('~/') ? join(homedir(), s.slice(1)) : s;
  return { kind: 'local', root: isAbsolute(expanded) ? expanded : resolve(cwd, expanded) };
}

export function formatTarget(t: Target): string {
  return t.kind === 's3' ? `s3://${t.bucket}${t.prefix ? `/${t.prefix}` : ''}` : t.root;
}
