import type { CopySnapshotCommand, TagSpecification } from '@aws-sdk/client-ec2';

/**
 * The SDK presigns a copy of every CopySnapshot for the source region (`PresignedUrl`), built
 * from the command's input with `String(value)`: a `TagSpecifications` list would be signed as
 * `TagSpecifications=[object Object]`. Around that step the input is given in EC2's query form
 * (`TagSpecification.1.Tag.1.Key=…`), which is what the request itself carries, and restored
 * right after it for the serializer.
 */
const PRESIGN_STEP = 'crossRegionPresignedUrlMiddleware';

type Middleware = Parameters<CopySnapshotCommand['middlewareStack']['addRelativeTo']>[0];
type Input = Record<string, unknown>;
type Handler = (args: { input: Input }) => Promise<unknown>;

/** A middleware that hands on the input as `change` makes it. */
const rewriteInput = (change: (input: Input) => Input): Middleware =>
  ((next: Handler) => (args: { input: Input }) =>
    next({ ...args, input: change(args.input) })) as unknown as Middleware;

/** TagSpecifications in EC2's query form. */
export function tagSpecificationQuery(specs: readonly TagSpecification[]): Record<string, string> {
  const out: Record<string, string> = {};
  specs.forEach((spec, i) => {
    const p = `TagSpecification.${i + 1}`;
    if (spec.ResourceType) out[`${p}.ResourceType`] = spec.ResourceType;
    (spec.Tags ?? []).forEach((t, j) => {
      out[`${p}.Tag.${j + 1}.Key`] = t.Key ?? '';
      out[`${p}.Tag.${j + 1}.Value`] = t.Value ?? '';
    });
  });
  return out;
}

/** Makes the presigned URL of `cmd` carry its tags the way the request does. */
export function presignTagsAsQuery(cmd: CopySnapshotCommand): CopySnapshotCommand {
  const specs = cmd.input.TagSpecifications;
  if (!specs?.length) return cmd;
  const flat = tagSpecificationQuery(specs);
  cmd.middlewareStack.addRelativeTo(
    rewriteInput(({ TagSpecifications: _omit, ...rest }) => ({ ...rest, ...flat })),
    { relation: 'before', toMiddleware: PRESIGN_STEP, name: 'cairnPresignTagsAsQuery' },
  );
  cmd.middlewareStack.addRelativeTo(
    rewriteInput((input) => ({
      ...Object.fromEntries(Object.entries(input).filter(([k]) => !(k in flat))),
      TagSpecifications: specs,
    })),
    { relation: 'after', toMiddleware: PRESIGN_STEP, name: 'cairnRestoreTagSpecifications' },
  );
  return cmd;
}
