import { PublishCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../aws/clients.js';
import type { Notifier } from './ports.js';

/** Publishes to SNS with the client of the topic's own region. */
export class SdkSns implements Notifier {
  constructor(private readonly clients: AwsClients) {}

  async publish(topicArn: string, subject: string, message: string): Promise<void> {
    const region = topicArn.split(':')[3] ?? 'us-east-1';
    await this.clients
      .sns(region)
      .send(new PublishCommand({ TopicArn: topicArn, Subject: subject.slice(0, 100), Message: message }));
  }
}
