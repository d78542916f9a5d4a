import type { Command } from 'commander';
import { explainPolicy, IAM_COMMANDS, parseIamCommands, policyFor } from '../aws/iam.js';
import { CairnError } from '../core/errors.js';
import { parseTopic } from '../ebs/notify.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';

export function registerIamPolicy(program: Command, runner: Runner): void {
  program
    .command('iam-policy')
    .argument('<command...>', `commands to allow: ${IAM_COMMANDS.join(', ')}, or all`)
    .description('Print the least-privilege IAM policy (JSON) for the given cairn commands.')
    .option('--topic <arn>', 'allow sns:Publish only to this topic (repeatable; default any topic)', collect)
    .option('--unmanaged', 'let trim delete snapshots cairn did not create')
    .option(
      '--kms-key <id>',
      'the KMS key of `snapshot copy --kms-key` (id, ARN or alias; repeatable): adds the KMS permissions the copy needs',
      collect,
    )
    .option(
      '--volume-kms-key <id>',
      'a customer-managed KMS key the volumes are encrypted with (repeatable): adds what snapshot copy and create --stop need of it',
      collect,
    )
    .option('--explain', 'list each action with the reason it is needed, instead of the policy')
    .action(async (words: string[], _o: unknown, c: Command) => {
      await runner.run(c, (ctx) => {
        const f = c.opts<{
          topic?: string[];
          unmanaged?: boolean;
          explain?: boolean;
          kmsKey?: string[];
          volumeKmsKey?: string[];
        }>();
        const commands = parseIamCommands(words);
        if (f.kmsKey?.length && !commands.includes('snapshot copy'))
          throw new CairnError('USAGE', '--kms-key is for the policy of snapshot copy', {
            hint: 'e.g. cairn iam-policy snapshot copy --kms-key alias/backups',
          });
        if (f.volumeKmsKey?.length && !commands.some((x) => x === 'snapshot copy' || x === 'snapshot create'))
          throw new CairnError(
            'USAGE',
            '--volume-kms-key is for the policies of snapshot copy and snapshot create',
            {
              hint: 'e.g. cairn iam-policy snapshot create snapshot copy --volume-kms-key alias/data',
            },
          );
        const o = {
          topics: f.topic?.map((t) => parseTopic(t, '--topic')),
          unmanaged: f.unmanaged,
          kmsKeys: f.kmsKey,
          volumeKmsKeys: f.volumeKmsKey,
        };
        if (f.explain) {
          const rows = explainPolicy(commands, o);
          ctx.out.result(rows, () =>
            table([['COMMAND', 'ACTION', 'WHY'], ...rows.map((r) => [r.command, r.action, r.why])]),
          );
          return Promise.resolve();
        }
        const policy = policyFor(commands, o);
        // The policy is the result, in either mode: JSON is what IAM takes.
        ctx.out.result(policy, () => JSON.stringify(policy, null, 2));
        return Promise.resolve();
      });
    });
}
