/** Where an archive format writes its bytes: in order, with holes filled later. */
export interface ByteSink {
  write(chunk: Buffer): Promise<void>;
  hole(length: number): Promise<number> | number;
  fill(id: number, bytes: Buffer): Promise<void>;
}
