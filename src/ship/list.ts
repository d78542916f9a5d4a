import type { ObjectStore } from '../storage/object-store.js';
import { isUnder, listManifests } from './catalog.js';
import { parseShipListRequest } from './requests/list-request.js';
import type { ShipListRequestInput } from './requests/list-request.js';

export interface RestorePoint {
  time: string;
  host: string;
  dir: string;
  key: string;
}

/**
 * The points in time that can be restored: one per manifest, oldest first. The request is
 * checked first (a CairnError USAGE names the bad key).
 */
export async function listRestorePoints(
  store: Pick<ObjectStore, 'list'>,
  request: ShipListRequestInput = {},
): Promise<RestorePoint[]> {
  const o = parseShipListRequest(request);
  const refs = await listManifests(store, o.host);
  return refs
    .filter((r) => !o.path || isUnder(r.dir, o.path) || isUnder(o.path, r.dir))
    .map((r) => ({ time: r.time.toISOString(), host: r.host, dir: r.dir, key: r.key }));
}
