/**
 * What every sipline Lambda is made of: its log group, a role that may write to that group (and
 * whatever `statements` add), the role's policy, and the function (nodejs22.x on arm64, its code
 * archive built from strings, so the same inputs give the same bytes). The router, the voice
 * fallback and the voicemail worker are all built by it, so they cannot drift apart on runtime,
 * architecture, logging or how narrowly their roles are scoped.
 *
 * A plain function, not a ComponentResource: a component would be every resource's new parent,
 * which changes every URN, so an existing stack would replace them all (short of an alias on
 * each). Each resource here is a direct child of `parent`, under the name it is given.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { lambdaLogGroupName } from '../naming';

/** An IAM policy statement; Resource may be another resource's output. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export interface LambdaFunctionArgs {
  /**
   * Pulumi names of the Lambda's resources. They are part of the URNs of deployed stacks (a new
   * name is a delete and a create), so they are given as first deployed, not derived.
   */
  names: { logs: string; role: string; policy: string; function: string };
  /** The function's physical name; its log group is `/aws/lambda/<it>`. */
  functionName: pulumi.Output<string>;
  logRetentionInDays: number;
  roleDescription: string;
  /** What the role may do besides writing to its own log group. */
  statements?: PolicyStatement[];
  description: string;
  /** The code archive's files, by name; `index.js` exports `handler`. */
  files: Record<string, string>;
  memorySize: number;
  timeout: number;
  environment?: aws.lambda.FunctionArgs['environment'];
  /** What the first invocation needs besides its role policy and log group. */
  dependsOn?: pulumi.Resource[];
  tags?: Record<string, string>;
}

export interface LambdaFunction {
  fn: aws.lambda.Function;
  logGroup: aws.cloudwatch.LogGroup;
}

export function lambdaFunction(parent: pulumi.Resource, args: LambdaFunctionArgs): LambdaFunction {
  const opts = { parent };
  const { names, tags } = args;

  // An explicit group, so retention is ours and the role can be scoped to it. It bears the name
  // Lambda would give it, /aws/lambda/<function name>: unique as the function's name is. Both
  // come from one value decided before either resource (not from fn.name, which would make the
  // function wait for its own log group's name), so the group and the role's policy still exist
  // before the function: no invocation can find either missing (the role may not create groups).
  const logGroup = new aws.cloudwatch.LogGroup(
    names.logs,
    { name: args.functionName.apply(lambdaLogGroupName), retentionInDays: args.logRetentionInDays, tags },
    opts,
  );

  const role = new aws.iam.Role(
    names.role,
    {
      description: args.roleDescription,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    names.policy,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            // The group exists (above), so no logs:CreateLogGroup; streams live under `<arn>:*`.
            Resource: pulumi.interpolate`${logGroup.arn}:*`,
          },
          ...(args.statements ?? []),
        ],
      }),
    },
    opts,
  );

  const fn = new aws.lambda.Function(
    names.function,
    {
      name: args.functionName,
      description: args.description,
      runtime: aws.lambda.Runtime.NodeJS22dX,
      architectures: ['arm64'],
      handler: 'index.handler',
      role: role.arn,
      code: new pulumi.asset.AssetArchive(
        Object.fromEntries(Object.entries(args.files).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)])),
      ),
      memorySize: args.memorySize,
      timeout: args.timeout,
      ...(args.environment === undefined ? {} : { environment: args.environment }),
      // Named explicitly although it is Lambda's default: the provider keeps a logGroup left
      // unset as whatever it last read, so only an explicit name is sure to follow a rename.
      loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
      tags,
    },
    // The first call after `pulumi up` must find its permissions and its log group.
    { parent, dependsOn: [policy, logGroup, ...(args.dependsOn ?? [])] },
  );
  return { fn, logGroup };
}
