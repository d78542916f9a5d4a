import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { LARGEST_BURST } from './limits.js';

export interface AwsClientOptions {
  /** Sockets per region and service (default 100: a region's largest burst in one round trip). */
  maxSockets?: number | undefined;
  /** A request without an answer after this long is a transient failure (default 30 s). */
  requestTimeoutMs?: number | undefined;
}

/** The SDK clients cairn uses, one per region and service, built in this one place. */
export interface AwsClients {
  ec2(region: string): EC2Client;
  sns(region: string): SNSClient;
  destroy(): void;
}

/**
 * Region, credentials and endpoint all come from the SDK's own chain: AWS_PROFILE, the
 * environment, SSO, web identity, ECS and instance roles; AWS_ENDPOINT_URL_EC2 / _SNS.
 * EC2 calls are sent once by the SDK: ApiScheduler retries them, because a blind retry of a
 * CreateSnapshot that timed out could create a second snapshot.
 * The clients resolve each command class's middleware once (`cacheMiddleware`): cairn adds no
 * middleware to them, and rebuilding the stack for every call cost about a quarter of the CPU
 * time of a CreateSnapshots call.
 */
export function makeAwsClients(o: AwsClientOptions = {}): AwsClients {
  const agent = { keepAlive: true, maxSockets: o.maxSockets ?? LARGEST_BURST };
  const requestHandler = {
    requestTimeout: o.requestTimeoutMs ?? 30_000,
    // Without it the SDK only logs a warning when the time is up.
    throwOnRequestTimeout: true,
    httpAgent: agent,
    httpsAgent: agent,
  };
  const ec2 = new Map<string, EC2Client>();
  const sns = new Map<string, SNSClient>();
  return {
    ec2(region) {
      let c = ec2.get(region);
      if (!c) {
        c = new EC2Client({ region, maxAttempts: 1, requestHandler, cacheMiddleware: true });
        ec2.set(region, c);
      }
      return c;
    },
    sns(region) {
      let c = sns.get(region);
      if (!c) {
        c = new SNSClient({ region, maxAttempts: 4, requestHandler, cacheMiddleware: true });
        sns.set(region, c);
      }
      return c;
    },
    destroy() {
      for (const c of ec2.values()) c.destroy();
      for (const c of sns.values()) c.destroy();
    },
  };
}

/** The region to use when none is given: $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1. */
export function defaultRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
}
