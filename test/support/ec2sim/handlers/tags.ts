/** CreateTags, DeleteTags, DescribeTags, and the tag rules every creating action applies. */
import type { ActionDef, Ctx } from '../context.js';
import { describeClass } from '../context.js';
import { invalidValue, missing, SimError } from '../errors.js';
import { compileFilters, type FieldMap } from '../filters.js';
import { paginate } from '../paginate.js';
import { filters, int, str, strings, tagList } from '../query.js';
import { RESOURCE_TYPES, type Taggable } from '../state.js';
import { el, itemSet } from '../xml.js';

export const MAX_TAGS = 50;

/** Rejects reserved, empty or oversized keys and values. */
export function validateTags(tags: ReadonlyMap<string, string>): void {
  for (const [k, v] of tags) {
    if (k === '') throw invalidValue('Tag key cannot be empty');
    if (k.toLowerCase().startsWith('aws:')) {
      throw invalidValue(`Tag keys starting with 'aws:' are reserved for internal use`);
    }
    if (k.length > 128) throw invalidValue(`Tag key exceeds the maximum length of 128 characters`);
    if (v.length > 256) throw invalidValue(`Tag value exceeds the maximum length of 256 characters`);
  }
  if (tags.size > MAX_TAGS)
    throw new SimError('TagLimitExceeded', `The maximum number of tags is ${MAX_TAGS}.`);
}

function resourceIds(ctx: Ctx): string[] {
  const ids = strings(ctx.p, 'ResourceId');
  if (ids.length === 0) throw missing('ResourceId');
  return ids;
}

function createTags(ctx: Ctx): string {
  const ids = resourceIds(ctx);
  const input = tagList(ctx.p);
  if (input.length === 0) throw missing('Tag');
  const incoming = new Map(input.map((t) => [t.key, t.value ?? '']));
  validateTags(incoming);
  const targets = ids.map((id) => ctx.state.taggable(ctx.region, id, true));
  for (const r of targets) {
    const merged = new Map([...r.tags, ...incoming]);
    if (merged.size > MAX_TAGS) {
      throw new SimError('TagLimitExceeded', `The maximum number of tags per resource is ${MAX_TAGS}.`);
    }
  }
  for (const r of targets) for (const [k, v] of incoming) r.tags.set(k, v);
  return el('return', true);
}

function deleteTags(ctx: Ctx): string {
  const ids = resourceIds(ctx);
  const input = tagList(ctx.p);
  const targets = ids.map((id) => ctx.state.taggable(ctx.region, id, true));
  for (const r of targets) {
    if (input.length === 0) r.tags.clear();
    for (const t of input) {
      if (t.value === undefined || r.tags.get(t.key) === t.value) r.tags.delete(t.key);
    }
  }
  return el('return', true);
}

interface TagRow {
  seq: number;
  resourceId: string;
  resourceType: string;
  key: string;
  value: string;
  tags: ReadonlyMap<string, string>;
}

const TAG_FIELDS: FieldMap<TagRow> = {
  key: (t) => t.key,
  value: (t) => t.value,
  'resource-id': (t) => t.resourceId,
  'resource-type': (t) => t.resourceType,
};

function describeTags(ctx: Ctx): string {
  const r = ctx.state.region(ctx.region);
  const resources: Taggable[] = [...r.instances.values(), ...r.volumes.values(), ...r.snapshots.values()];
  resources.push(...r.images.values());
  resources.sort((a, b) => a.seq - b.seq);
  const rows: TagRow[] = [];
  let seq = 0;
  for (const res of resources) {
    if ('ownerId' in res && res.ownerId !== ctx.opts.accountId) continue;
    const prefix = Object.keys(RESOURCE_TYPES).find((p) => res.id.startsWith(p)) ?? '';
    for (const [key, value] of res.tags) {
      const resourceType = RESOURCE_TYPES[prefix] ?? 'unknown';
      rows.push({ seq: seq++, resourceId: res.id, resourceType, key, value, tags: new Map() });
    }
  }
  const match = compileFilters(filters(ctx.p), TAG_FIELDS);
  const page = paginate(rows.filter(match), int(ctx.p, 'MaxResults'), str(ctx.p, 'NextToken'), {
    min: 5,
    max: 1000,
  });
  const items = page.items.map(
    (t) =>
      el('resourceId', t.resourceId) +
      el('resourceType', t.resourceType) +
      el('key', t.key) +
      el('value', t.value),
  );
  return itemSet('tagSet', items) + el('nextToken', page.nextToken);
}

export const tagActions: Record<string, ActionDef> = {
  CreateTags: { handler: createTags, cls: 'createTags' },
  DeleteTags: { handler: deleteTags, cls: 'mutating' },
  DescribeTags: { handler: describeTags, cls: describeClass() },
};
