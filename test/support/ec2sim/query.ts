/** AWS Query request parameters: flat `Filter.1.Value.2=x` pairs turned into a tree, and readers for it. */
import { invalidValue, missing } from './errors.js';

export type QValue = string | QMap | QList;
export interface QMap {
  [key: string]: QValue | undefined;
}
export type QList = Array<QValue | undefined>;

const isIndex = (s: string): boolean => /^[1-9][0-9]*$/.test(s);

/** Builds the tree: numeric segments are 1-based list positions, the others map keys. */
export function parseQuery(flat: Record<string, string>): QMap {
  const root: QMap = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node: QMap | QList = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const inList = Array.isArray(node);
      if (inList && !isIndex(part)) break;
      const slot = inList ? Number(part) - 1 : part;
      if (i === parts.length - 1) {
        setSlot(node, slot, value);
        break;
      }
      let child = getSlot(node, slot);
      const wantList = isIndex(parts[i + 1] as string);
      if (child === undefined || typeof child === 'string' || Array.isArray(child) !== wantList) {
        child = wantList ? [] : {};
        setSlot(node, slot, child);
      }
      node = child;
    }
  }
  return root;
}

function getSlot(node: QMap | QList, slot: string | number): QValue | undefined {
  return Array.isArray(node) ? node[slot as number] : node[slot as string];
}

function setSlot(node: QMap | QList, slot: string | number, v: QValue): void {
  if (Array.isArray(node)) node[slot as number] = v;
  else node[slot as string] = v;
}

export function str(node: QValue | undefined, key: string): string | undefined {
  if (!node || typeof node === 'string' || Array.isArray(node)) return undefined;
  const v = node[key];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(node: QMap, key: string): string {
  const v = str(node, key);
  if (v === undefined || v === '') throw missing(key);
  return v;
}

export function bool(node: QMap, key: string): boolean | undefined {
  const v = str(node, key);
  return v === undefined ? undefined : v === 'true';
}

export function int(node: QMap, key: string): number | undefined {
  const v = str(node, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n))
    throw invalidValue(`Value (${v}) for parameter ${key} is invalid. Expected an integer.`);
  return n;
}

export function map(node: QValue | undefined, key: string): QMap | undefined {
  if (!node || typeof node === 'string' || Array.isArray(node)) return undefined;
  const v = node[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** The list at `key`, holes dropped. */
export function list(node: QValue | undefined, key: string): QValue[] {
  if (!node || typeof node === 'string' || Array.isArray(node)) return [];
  const v = node[key];
  return Array.isArray(v) ? v.filter((x): x is QValue => x !== undefined) : [];
}

export function strings(node: QMap, key: string): string[] {
  return list(node, key).filter((x): x is string => typeof x === 'string');
}

export function maps(node: QValue | undefined, key: string): QMap[] {
  return list(node, key).filter((x): x is QMap => typeof x === 'object' && !Array.isArray(x));
}

export interface Filter {
  name: string;
  values: string[];
}

export function filters(p: QMap): Filter[] {
  return maps(p, 'Filter').map((f) => {
    const name = str(f, 'Name');
    if (!name) throw missing('Filter.Name');
    return { name, values: strings(f, 'Value') };
  });
}

export interface TagInput {
  key: string;
  value: string | undefined;
}

export function tagList(node: QValue | undefined, key = 'Tag'): TagInput[] {
  return maps(node, key).map((t) => ({ key: str(t, 'Key') ?? '', value: str(t, 'Value') }));
}

/** Tags from `TagSpecification.N` for one resource type; other resource types are rejected. */
export function tagSpecs(p: QMap, resourceType: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of maps(p, 'TagSpecification')) {
    const type = str(spec, 'ResourceType');
    if (type !== resourceType) {
      throw invalidValue(`'${type ?? ''}' is not a valid taggable resource type for this operation.`);
    }
    for (const t of tagList(spec)) out.set(t.key, t.value ?? '');
  }
  return out;
}
