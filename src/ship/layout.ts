import { CairnError } from '../core/errors.js';
import { keyStamp, parseKeyStamp } from '../core/timestamp.js';

/**
 * Where ship keeps things inside a target:
 *   objects/sha256/<aa>/<sha256>                     file contents, shared by every host, immutable
 *   ship/<host>/manifests/<dir>/<stamp>.json         point-in-time listing of one directory
 * <dir> is the absolute directory path, URI-encoded into one key segment.
 */
export const OBJECTS_PREFIX = 'objects/sha256/';

export function objectKey(sha256: string): string {
  return `${OBJECTS_PREFIX}${sha256.slice(0, 2)}/${sha256}`;
}

export function shaFromObjectKey(key: string): string | undefined {
  const m = /^objects\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(key);
  return m?.[1];
}

/** Where the manifests of `host` are; without a host, of every host. */
export function hostPrefix(host?: string): string {
  return host === undefined ? 'ship/' : `ship/${encodeURIComponent(checkHost(host))}/manifests/`;
}

/**
 * A host name as it names manifests: not empty (an unset variable in a cron job
 * would otherwise store manifests that no command finds), no control characters.
 */
export function checkHost(host: string): string {
  // eslint-disable-next-line no-control-regex
  if (host.trim() === '' || host.length > 253 || /[\u0000-\u001f\u007f]/.test(host)) {
    throw new CairnError('USAGE', `invalid host name ${JSON.stringify(host)}`, {
      hint: 'give --host a name such as web-1, or leave it out to use the hostname',
    });
  }
  return host;
}

export function manifestKey(host: string, dir: string, time: Date): string {
  return `${hostPrefix(host)}${encodeURIComponent(dir)}/${keyStamp(time)}.json`;
}

export interface ManifestRef {
  key: string;
  host: string;
  dir: string;
  time: Date;
  /** Series identity: host + directory. */
  series: string;
}

export function parseManifestKey(key: string): ManifestRef | undefined {
  const m = /^ship\/([^/]+)\/manifests\/([^/]+)\/([^/]+)\.json$/.exec(key);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const time = parseKeyStamp(m[3]);
  if (!time) return undefined;
  let host: string;
  let dir: string;
  try {
    host = decodeURIComponent(m[1]);
    dir = decodeURIComponent(m[2]);
  } catch {
    return undefined;
  }
  return { key, host, dir, time, series: `${host}\0${dir}` };
}
