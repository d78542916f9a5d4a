/** Hand-written XML in the shapes EC2 and SNS return. */

export const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

const SPECIAL = /[&<>"']/;

export function esc(s: string): string {
  return SPECIAL.test(s) ? s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c) : s;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export type Scalar = string | number | boolean | undefined | null;

/** `<name>value</name>`, or nothing when the value is absent. */
export function el(name: string, value: Scalar): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${esc(String(value))}</${name}>`;
}

/** `<name>inner</name>` with already-rendered children. */
export function wrap(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** An EC2 list: `<name><item>…</item>…</name>`. */
export function itemSet(name: string, items: readonly string[]): string {
  return wrap(name, items.map((i) => wrap('item', i)).join(''));
}

export function tagSet(tags: ReadonlyMap<string, string>, name = 'tagSet'): string {
  if (tags.size === 0) return '';
  return itemSet(
    name,
    [...tags].map(([k, v]) => el('key', k) + el('value', v)),
  );
}

export function ec2Response(action: string, requestId: string, inner: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${EC2_NS}">${el('requestId', requestId)}${inner}</${action}Response>`
  );
}

export function ec2Error(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<Response><Errors><Error>${el('Code', code)}${el('Message', message)}</Error></Errors>` +
    `${el('RequestID', requestId)}</Response>`
  );
}

export function snsResponse(action: string, requestId: string, result: string): string {
  return (
    `<${action}Response xmlns="${SNS_NS}">${wrap(`${action}Result`, result)}` +
    `${wrap('ResponseMetadata', el('RequestId', requestId))}</${action}Response>`
  );
}

export function snsError(code: string, message: string, requestId: string, status: number): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${SNS_NS}"><Error>${el('Type', type)}${el('Code', code)}${el('Message', message)}` +
    `</Error>${el('RequestId', requestId)}</ErrorResponse>`
  );
}
