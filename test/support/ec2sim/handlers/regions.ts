/** DescribeRegions over the regions the simulator was started with. */
import { describeClass, type ActionDef, type Ctx } from '../context.js';
import { invalidValue } from '../errors.js';
import { compileFilters, type FieldMap } from '../filters.js';
import { filters, strings } from '../query.js';
import { el, itemSet } from '../xml.js';

interface RegionRow {
  name: string;
  tags: ReadonlyMap<string, string>;
}

const endpointOf = (name: string): string => `ec2.${name}.amazonaws.com`;

const REGION_FIELDS: FieldMap<RegionRow> = {
  'region-name': (r) => r.name,
  endpoint: (r) => endpointOf(r.name),
  'opt-in-status': () => 'opt-in-not-required',
};

function describeRegions(ctx: Ctx): string {
  const names = strings(ctx.p, 'RegionName');
  const unknown = names.filter((n) => !ctx.opts.regions.includes(n));
  if (unknown.length > 0) throw invalidValue(`Invalid region names: ${unknown.join(', ')}`);
  const match = compileFilters(filters(ctx.p), REGION_FIELDS);
  const rows = ctx.opts.regions
    .filter((name) => names.length === 0 || names.includes(name))
    .map((name) => ({ name, tags: new Map<string, string>() }))
    .filter(match);
  return itemSet(
    'regionInfo',
    rows.map(
      (r) =>
        el('regionName', r.name) +
        el('regionEndpoint', endpointOf(r.name)) +
        el('optInStatus', 'opt-in-not-required'),
    ),
  );
}

export const regionActions: Record<string, ActionDef> = {
  DescribeRegions: { handler: describeRegions, cls: describeClass('RegionName') },
};
