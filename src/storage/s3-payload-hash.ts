import type { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';

type Handler = (args: { request: unknown }) => Promise<unknown>;

/** The part of the SDK's middleware stack used here, the same for every command. */
interface BuildStack {
  add(middleware: (next: Handler) => Handler, options: { step: 'build'; name: string }): void;
}

/**
 * Sends `sha256` (hex, of the request body) as the signed payload hash. The
 * SDK then does not hash the body again, and the server refuses the request
 * (XAmzContentSHA256Mismatch) if the bytes it received have another hash: the
 * content is checked end to end against the hash computed when it was read.
 */
export function withPayloadSha256<C extends PutObjectCommand | UploadPartCommand>(
  command: C,
  sha256: string,
): C {
  (command.middlewareStack as unknown as BuildStack).add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = sha256;
      return next(args);
    },
    { step: 'build', name: 'cairnPayloadSha256' },
  );
  return command;
}
