import { CairnError } from '../core/errors.js';
import type { Tags } from './types.js';

/**
 * The series key groups the snapshots of one disk over time, across volume replacement (a
 * restored or resized volume has a new id): by default the instance's Name tag and the device.
 * Placeholders: {name} (Name tag, else the instance or volume id), {instance}, {device},
 * {volume}, {tag:KEY} (instance tag, or the volume's for a volume on its own), {volume-tag:KEY}.
 */
export const DEFAULT_SERIES_KEY = '{name}:{device}';

/** Every placeholder a series key may use, with what it stands for (for help texts and hints). */
export const SERIES_PLACEHOLDERS: readonly (readonly [placeholder: string, meaning: string])[] = [
  [
    '{name}',
    "the instance's Name tag, else the instance id (a volume on its own: its Name tag, else its id)",
  ],
  ['{instance}', 'the instance id'],
  ['{device}', 'the device name, e.g. /dev/sdf'],
  ['{volume}', 'the volume id (a replaced volume starts a new series)'],
  ['{tag:KEY}', "the instance's tag KEY (a volume on its own: the volume's)"],
  ['{volume-tag:KEY}', "the volume's own tag KEY"],
];

/** `{name}, {instance}, …, {volume-tag:KEY}`: the placeholders in one line. */
export const placeholderList = (): string => SERIES_PLACEHOLDERS.map(([p]) => p).join(', ');

/** True when keys built from `template` need the volumes' own tags. */
export const needsVolumeTags = (template: string): boolean => template.includes('{volume-tag:');

export interface SeriesInput {
  instanceId?: string | undefined;
  instanceTags?: Tags | undefined;
  volumeId: string;
  volumeTags?: Tags | undefined;
  device?: string | undefined;
}

const PLACEHOLDER = /\{([a-z-]+)(?::([^}]+))?\}/g;
const KNOWN = new Set(['name', 'instance', 'device', 'volume', 'tag', 'volume-tag']);

export function checkSeriesTemplate(template: string): string {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const [, name = '', arg] = m;
    if (!KNOWN.has(name) || ((name === 'tag' || name === 'volume-tag') && !arg)) {
      throw new CairnError('USAGE', `unknown placeholder ${m[0]} in the series key "${template}"`, {
        hint: `use ${placeholderList()}`,
      });
    }
  }
  if (!/\{[a-z-]+(:[^}]+)?\}/.test(template)) {
    throw new CairnError('USAGE', `the series key "${template}" has no placeholder`, {
      hint: 'every volume would share one series; e.g. {name}:{device}',
    });
  }
  return template;
}

export function seriesKey(template: string, v: SeriesInput): string {
  const own = v.instanceTags ?? v.volumeTags ?? {};
  const value = (name: string, arg: string | undefined): string => {
    switch (name) {
      case 'name':
        return v.instanceTags?.Name || v.instanceId || v.volumeTags?.Name || v.volumeId;
      case 'instance':
        return v.instanceId ?? '';
      case 'device':
        return v.device ?? '';
      case 'volume':
        return v.volumeId;
      case 'tag':
        return own[arg ?? ''] ?? '';
      case 'volume-tag':
        return v.volumeTags?.[arg ?? ''] ?? '';
      default:
        return '';
    }
  };
  const key = template
    .replace(PLACEHOLDER, (_m, name: string, arg: string | undefined) => value(name, arg))
    .replace(/^[\s:/|-]+|[\s:/|-]+$/g, '');
  return (key || v.volumeId).slice(0, 256);
}
