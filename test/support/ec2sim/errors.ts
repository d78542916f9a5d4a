/** Errors the simulator returns, with EC2's codes and HTTP statuses. */

const STATUS_BY_CODE: Record<string, number> = {
  RequestLimitExceeded: 503,
  Unavailable: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  InternalFailure: 500,
  UnauthorizedOperation: 403,
  AuthorizationError: 403,
  AuthFailure: 401,
  DryRunOperation: 412,
  NotFound: 404,
};

export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 400;
}

export class SimError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status: number = statusForCode(code)) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export const missing = (name: string): SimError =>
  new SimError('MissingParameter', `The request must contain the parameter ${name}`);

export const invalidValue = (message: string): SimError => new SimError('InvalidParameterValue', message);

export const incorrectState = (message: string): SimError => new SimError('IncorrectState', message);

const NOT_FOUND: Record<string, [code: string, noun: string]> = {
  'i-': ['InvalidInstanceID.NotFound', 'instance ID'],
  'vol-': ['InvalidVolume.NotFound', 'volume'],
  'snap-': ['InvalidSnapshot.NotFound', 'snapshot'],
  'ami-': ['InvalidAMIID.NotFound', 'image id'],
};

const MALFORMED: Record<string, string> = {
  'i-': 'InvalidInstanceID.Malformed',
  'vol-': 'InvalidVolumeID.Malformed',
  'snap-': 'InvalidSnapshotID.Malformed',
  'ami-': 'InvalidAMIID.Malformed',
};

export function prefixOf(id: string): string | undefined {
  return Object.keys(NOT_FOUND).find((p) => id.startsWith(p));
}

export function notFound(id: string): SimError {
  const prefix = prefixOf(id);
  const entry = prefix ? NOT_FOUND[prefix] : undefined;
  if (!entry) return new SimError('InvalidID', `The ID '${id}' is not valid`);
  return new SimError(entry[0], `The ${entry[1]} '${id}' does not exist`);
}

/** Throws the `...Malformed` error unless `id` looks like `<prefix>` + 8 or 17 hex digits. */
export function checkId(id: string, prefix: string): void {
  const ok = id.startsWith(prefix) && /^[0-9a-f]{8}([0-9a-f]{9})?$/.test(id.slice(prefix.length));
  if (!ok) throw new SimError(MALFORMED[prefix] ?? 'InvalidID', `Invalid id: "${id}"`);
}
