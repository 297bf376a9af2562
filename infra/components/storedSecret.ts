/**
 * A value kept in Secrets Manager for one Lambda to read: the secret and its version, both
 * named `name`, children of `parent`. The value stays a Pulumi secret; the Lambda is given the
 * ARN (and the version id, so a new value replaces warm instances), never the value.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface StoredSecret {
  secret: aws.secretsmanager.Secret;
  version: aws.secretsmanager.SecretVersion;
}

export function storedSecret(name: string, parent: pulumi.Resource, description: string, value: pulumi.Input<string>, tags?: Record<string, string>): StoredSecret {
  const secret = new aws.secretsmanager.Secret(
    name,
    {
      description,
      // Short window: a destroyed stack's secret is gone within a week; the name is
      // auto-generated, so a new stack never waits for it.
      recoveryWindowInDays: 7,
      tags,
    },
    { parent },
  );
  const version = new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: pulumi.secret(value) }, { parent });
  return { secret, version };
}
