/** Compressed output never exceeds this for `n` input bytes (zlib's deflateBound, plus a flush marker). */
export const deflateBound = (n: number): number => n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13 + 5 + 6;
