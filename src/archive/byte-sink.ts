/** Where an archive format writes its bytes: in order, with holes filled later. */
export interface ByteSink {
  /** Once it has settled, `chunk` is the caller's again: writers read into one buffer and reuse it. */
  write(chunk: Buffer): Promise<void>;
  hole(length: number): Promise<number> | number;
  fill(id: number, bytes: Buffer): Promise<void>;
}
