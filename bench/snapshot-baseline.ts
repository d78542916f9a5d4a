/**
 * The same job the way s3snapshot does it: per volume one CreateSnapshot, then one CreateTags per
 * tag, sleeping 100 ms and trying again on RequestLimitExceeded. Run with cairn's concurrency.
 */
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import pLimit from 'p-limit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { name?: string }).name !== 'RequestLimitExceeded') throw err;
      await sleep(100);
    }
  }
}

export async function baselineCreate(
  endpoint: string,
  regions: string[],
  tag: [string, string],
  concurrency = 64,
): Promise<number> {
  let made = 0;
  await Promise.all(
    regions.map(async (region) => {
      const ec2 = new EC2Client({
        region,
        endpoint,
        maxAttempts: 1,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      const volumes: { id: string; name: string; device: string }[] = [];
      let NextToken: string | undefined;
      do {
        const page = await send(() =>
          ec2.send(
            new DescribeInstancesCommand({
              Filters: [{ Name: `tag:${tag[0]}`, Values: [tag[1]] }],
              MaxResults: 1000,
              NextToken,
            }),
          ),
        );
        for (const r of page.Reservations ?? [])
          for (const i of r.Instances ?? [])
            for (const b of i.BlockDeviceMappings ?? [])
              volumes.push({
                id: b.Ebs?.VolumeId ?? '',
                name: i.Tags?.find((t) => t.Key === 'Name')?.Value ?? '',
                device: b.DeviceName ?? '',
              });
        NextToken = page.NextToken;
      } while (NextToken);
      const limit = pLimit(concurrency);
      await Promise.all(
        volumes.map((v) =>
          limit(async () => {
            const s = await send(() =>
              ec2.send(new CreateSnapshotCommand({ VolumeId: v.id, Description: `${v.name} ${v.device}` })),
            );
            for (const [Key, Value] of [
              ['Name', `${v.name}:${v.device}`],
              ['Scripted', 'true'],
              ['State', 'Protected'],
            ] as const) {
              await send(() =>
                ec2.send(new CreateTagsCommand({ Resources: [s.SnapshotId ?? ''], Tags: [{ Key, Value }] })),
              );
            }
            made += 1;
          }),
        ),
      );
      ec2.destroy();
    }),
  );
  return made;
}
