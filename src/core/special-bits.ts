/**
 * Privilege never grows on restore. A file's setuid, setgid and sticky bits
 * are kept only when the file ends up with the owner and group it was
 * recorded with; otherwise (the owner is not recorded, or could not be given
 * back because the restore does not run as root) they are cleared and the
 * caller reports it. Pure: the caller stats the file it made and applies the
 * returned mode.
 */
export const SPECIAL_BITS = 0o7000;

export interface Owner {
  uid: number;
  gid: number;
}

/** Who restores: only root can give a file to another user. */
export interface Restorer {
  root: boolean;
}

export const currentRestorer = (): Restorer => ({ root: process.geteuid?.() === 0 });

/** The owner to give a restored entry before its mode is set, or undefined to leave the restorer's. */
export function ownerToApply(recorded: Owner | undefined, who: Restorer): Owner | undefined {
  return who.root ? recorded : undefined;
}

export interface ModePlan {
  mode: number;
  /** The special bits dropped, with the reason, when any were asked for and cannot be kept. */
  cleared?: { bits: number; reason: string } | undefined;
}

/** The mode to apply to an entry recorded with `mode` and `recorded`, now owned by `actual`. */
export function planMode(mode: number, recorded: Owner | undefined, actual: Owner): ModePlan {
  const m = mode & 0o7777;
  const bits = m & SPECIAL_BITS;
  if (bits === 0) return { mode: m };
  if (recorded && recorded.uid === actual.uid && recorded.gid === actual.gid) return { mode: m };
  const reason = recorded
    ? `its recorded owner ${recorded.uid}:${recorded.gid} could not be restored (it is owned by ${actual.uid}:${actual.gid}; restore as root to keep them)`
    : 'its owner is not recorded';
  return { mode: m & ~SPECIAL_BITS, cleared: { bits, reason } };
}

/** 'setuid, setgid' for the bits in `bits`. */
export function describeSpecialBits(bits: number): string {
  return [
    [0o4000, 'setuid'],
    [0o2000, 'setgid'],
    [0o1000, 'sticky'],
  ]
    .filter(([b]) => (bits & (b as number)) !== 0)
    .map(([, n]) => n)
    .join(', ');
}
