/**
 * `npm run plan -- <stack>`: what `pulumi up` would create for `Pulumi.<stack>.yaml`, offline.
 *
 * Runs the real program (infra/index.ts) under the mocks (infra/mocks.ts) with the stack's
 * config file and prints the resource tree: parent -> children, each with its type, name and
 * key inputs. Values the cloud computes (ids, ARNs, sids, the API's URL) are shown as
 * `${resource.output}` references, so the wiring reads directly; secret values as [secret].
 * Needs no Pulumi backend, no cloud credentials and no stack passphrase: values the file holds
 * encrypted (`secure: v1:...`) are replaced by placeholders, and the output says which.
 */
import { asksForVoicemailEmail, CONFIG_NAMESPACE, configValues, readStackFile, stackConfigPath } from '../infra/config';
// The mocks load @pulumi/pulumi, seconds of startup: only once there is a plan to make, so
// --help and a mistyped argument answer at once.
import type { RecordedResource, RunResult } from '../infra/mocks';
import { parseCommandLine, stackFrom } from './cli';

/** Passes Twilio's password policy, so planned credentials look like real ones. */
const PLACEHOLDER_PASSWORD = 'Placeholder-Passw0rd';
const PLACEHOLDER_TOKEN = '00000000000000000000000000000000'; // Twilio's shape: 32 hex characters
const PLACEHOLDER_API_KEY_SECRET = 'placeholder-api-key-secret-00000'; // 32 characters, as Twilio's

/** The inputs worth reading in a plan, by resource type (others: type and name only). */
const KEY_INPUTS: Record<string, string[]> = {
  'aws:sns/topic:Topic': ['displayName'],
  'aws:sns/topicSubscription:TopicSubscription': ['protocol', 'endpoint', 'topic'],
  'aws:cloudwatch/logGroup:LogGroup': ['name', 'retentionInDays'],
  'aws:secretsmanager/secret:Secret': ['recoveryWindowInDays'],
  'aws:secretsmanager/secretVersion:SecretVersion': ['secretId', 'secretString'],
  'aws:iam/role:Role': ['assumeRolePolicy'],
  'aws:iam/rolePolicy:RolePolicy': ['role', 'policy'],
  'aws:apigatewayv2/api:Api': ['protocolType'],
  'aws:lambda/function:Function': ['runtime', 'architectures', 'handler', 'memorySize', 'timeout', 'role', 'code', 'environment', 'loggingConfig'],
  'aws:apigatewayv2/integration:Integration': ['apiId', 'integrationType', 'integrationUri', 'payloadFormatVersion'],
  'aws:apigatewayv2/route:Route': ['routeKey', 'target'],
  'aws:apigatewayv2/stage:Stage': ['name', 'autoDeploy', 'defaultRouteSettings'],
  'aws:lambda/permission:Permission': ['function', 'principal', 'sourceArn'],
  'aws:cloudwatch/metricAlarm:MetricAlarm': ['namespace', 'metricName', 'dimensions', 'statistic', 'threshold', 'period', 'alarmActions'],
  'aws:cloudwatch/dashboard:Dashboard': ['dashboardName'],
  'aws:sqs/queue:Queue': ['visibilityTimeoutSeconds', 'messageRetentionSeconds', 'redrivePolicy'],
  'aws:lambda/eventSourceMapping:EventSourceMapping': ['eventSourceArn', 'functionName', 'batchSize', 'functionResponseTypes'],
  'aws:sesv2/emailIdentity:EmailIdentity': ['emailIdentity'],
  'random:index/randomPassword:RandomPassword': ['length', 'special', 'minUpper', 'minLower', 'minNumeric'],
  'sipline-twilio:index:SipDomain': ['domainName', 'voiceUrl', 'voiceMethod', 'voiceFallbackUrl', 'voiceFallbackMethod', 'voiceStatusCallbackUrl', 'sipRegistration', 'secure', 'emergencyCallingEnabled'],
  'sipline-twilio:index:CredentialList': ['friendlyName'],
  'sipline-twilio:index:Credential': ['credentialListSid', 'username', 'password'],
  'sipline-twilio:index:RegistrationCredentialListMapping': ['domainSid', 'credentialListSid'],
  'sipline-twilio:index:CallCredentialListMapping': ['domainSid', 'credentialListSid'],
  'sipline-twilio:index:PhoneNumberVoiceConfig': ['phoneNumber', 'voiceUrl', 'voiceMethod', 'voiceFallbackUrl', 'voiceFallbackMethod', 'statusCallback'],
  'sipline-twilio:index:VoiceDialingPermissions': ['allowedCountries'],
};

export interface PlanConfig {
  /** Every value as Pulumi hands it: `sipline:*` keys without the namespace, others (aws:region) whole. */
  values: Record<string, unknown>;
  /** What was encrypted in the file and replaced by a placeholder. */
  placeholders: string[];
}

/** Reads `Pulumi.<stack>.yaml` the way the local router does, plus placeholders for its secrets. */
export function readPlanConfig(file: string): PlanConfig {
  const stackFile = readStackFile(file);
  // Every key, as the CLI passes them all: the program warns about those it does not read.
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values = Object.fromEntries(Object.entries(configValues(stackFile)).map(([key, value]) => [key.startsWith(prefix) ? key.slice(prefix.length) : key, value]));
  const raw = stackFile.config;
  const placeholders: string[] = [];
  if (values.twilioAuthToken === undefined) {
    values.twilioAuthToken = PLACEHOLDER_TOKEN;
    placeholders.push(`${CONFIG_NAMESPACE}:twilioAuthToken`);
  }
  // Read by the program only when a mailbox asks for email.
  if (values.voicemailApiKeySecret === undefined && asksForVoicemailEmail(values)) {
    values.voicemailApiKeySecret = PLACEHOLDER_API_KEY_SECRET;
    placeholders.push(`${CONFIG_NAMESPACE}:voicemailApiKeySecret`);
  }
  // configValues leaves encrypted passwords out; without a placeholder the plan would
  // show a generated password for a user who has one.
  const rawUsers = raw[`${CONFIG_NAMESPACE}:users`];
  if (Array.isArray(rawUsers) && Array.isArray(values.users)) {
    rawUsers.forEach((u: unknown, i) => {
      const password = (u as { password?: unknown } | null)?.password;
      const user = (values.users as unknown[])[i];
      if (typeof password === 'object' && password !== null && 'secure' in password && typeof user === 'object' && user !== null) {
        (user as Record<string, unknown>).password = PLACEHOLDER_PASSWORD;
        placeholders.push(`${CONFIG_NAMESPACE}:users[${i}].password`);
      }
    });
  }
  return { values, placeholders };
}

/** Every value the mocks computed (ids, ARNs, sids, URLs) -> `${resource.output}`. */
function computedReferences(resources: RecordedResource[]): Array<[string, string]> {
  const refs = new Map<string, string>();
  const add = (value: unknown, ref: string) => {
    if (typeof value === 'string' && value.length >= 6 && !refs.has(value)) refs.set(value, ref);
  };
  for (const r of resources.filter((x) => x.custom)) {
    add(r.id, `\${${r.name}.id}`);
    for (const [key, value] of Object.entries(r.state)) if (!(key in r.inputs) || r.inputs[key] === undefined) add(value, `\${${r.name}.${key}}`);
  }
  // Longest first: an ARN is replaced before the id inside it.
  return [...refs.entries()].sort((a, b) => b[0].length - a[0].length);
}

function symbolic(text: string, refs: Array<[string, string]>): string {
  let out = text;
  for (const [value, ref] of refs) if (out.includes(value)) out = out.split(value).join(ref);
  return out;
}

async function describeValue(key: string, value: unknown, refs: Array<[string, string]>): Promise<string> {
  if (value && typeof value === 'object' && 'assets' in value) {
    const assets = (await (value as { assets: Promise<Record<string, { text?: Promise<string> }>> }).assets) ?? {};
    const files: string[] = [];
    for (const [name, asset] of Object.entries(assets)) {
      const text = (await asset.text) ?? '';
      files.push(`${name} (${text.length < 1024 ? `${text.length} B` : `${(text.length / 1024).toFixed(1)} KiB`})`);
    }
    return `archive[${files.join(', ')}]`;
  }
  if ((key === 'policy' || key === 'assumeRolePolicy') && typeof value === 'string') {
    try {
      const statements = (JSON.parse(value) as { Statement: Array<Record<string, unknown>> }).Statement;
      return statements
        .map((s) => {
          // The condition is part of the grant (SES sends only from the voicemail sender), so it is shown too.
          const condition = s.Condition === undefined ? '' : ` when ${symbolic(JSON.stringify(s.Condition), refs)}`;
          return `${s.Effect} ${[s.Action].flat().join(',')} on ${symbolic(JSON.stringify(s.Resource ?? s.Principal), refs)}${condition}`;
        })
        .join('; ');
    } catch {
      // not JSON: print as is
    }
  }
  return symbolic(typeof value === 'string' ? value : JSON.stringify(value), refs);
}

/** The indented resource tree, parents before children, in declaration order. */
export async function renderPlan(result: RunResult, placeholders: string[] = []): Promise<string> {
  const { resourceKey } = await import('../infra/mocks');
  const resources = result.mocks.resources;
  const refs = computedReferences(resources);
  const children = new Map<string | undefined, RecordedResource[]>();
  const known = new Set(resources.map((r) => resourceKey(r.type, r.name)));
  for (const r of resources) {
    if (r.type === 'pulumi:pulumi:Stack') continue;
    const parent = r.parent !== undefined && known.has(r.parent) ? r.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = async (parent: string | undefined, indent: string) => {
    const list = children.get(parent) ?? [];
    for (const [i, r] of list.entries()) {
      const last = i === list.length - 1;
      lines.push(`${indent}${last ? '└─ ' : '├─ '}+ ${r.type}  ${r.name}`);
      const detailIndent = `${indent}${last ? '   ' : '│  '}`;
      const hasChildren = (children.get(resourceKey(r.type, r.name)) ?? []).length > 0;
      for (const key of KEY_INPUTS[r.type] ?? []) {
        if (r.inputs[key] === undefined) continue;
        const shown = r.secretInputs.includes(key) ? '[secret]' : await describeValue(key, r.inputs[key], refs);
        lines.push(`${detailIndent}${hasChildren ? '│  ' : '   '}${key}: ${shown}`);
      }
      await walk(resourceKey(r.type, r.name), detailIndent);
    }
  };
  const stack = resources.find((r) => r.type === 'pulumi:pulumi:Stack');
  lines.push(`+ pulumi:pulumi:Stack  ${stack?.name ?? 'sipline'}`);
  await walk(undefined, '');

  const custom = resources.filter((r) => r.custom);
  const counts = new Map<string, number>();
  for (const r of custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  lines.push('', `Resources: ${custom.length} to create`);
  for (const [type, n] of [...counts.entries()].sort()) lines.push(`  ${String(n).padStart(5)} ${type}`);
  lines.push('', 'Outputs:');
  for (const [key, value] of Object.entries(result.values)) {
    lines.push(`  ${key}: ${result.secretOutputs.includes(key) ? '[secret]' : symbolic(typeof value === 'string' ? value : JSON.stringify(value), refs)}`);
  }
  if (placeholders.length > 0) lines.push('', `Absent from the stack file or encrypted in it, planned with placeholders: ${placeholders.join(', ')}`);
  lines.push('', '${x.y}: an output the provider computes at `pulumi up`. Offline plan: no state, no provider checks (see README).');
  return lines.join('\n');
}

export async function planStack(stack: string): Promise<string> {
  const { values, placeholders } = readPlanConfig(stackConfigPath(stack));
  const { runSipline } = await import('../infra/mocks');
  // Worded as `pulumi preview` words a program's warning, without the SDK's engine-less `[runtime]`.
  const result = await runSipline({ config: values, secretKeys: ['twilioAuthToken', 'users'], stack, onWarning: (message) => console.warn(`warning: ${message}`) });
  return renderPlan(result, placeholders);
}

const USAGE = `usage: npm run plan -- [STACK]
  STACK  a stack with a Pulumi.<stack>.yaml beside Pulumi.yaml (dev when none is named)
  prints the resources \`pulumi up\` would create for it, offline (see README, Offline plan)
  -h, --help  prints this`;

/** The stack to plan, 'help', or what is wrong with the arguments. */
function planArgs(argv: string[]): { stack: string } | 'help' | string {
  try {
    const parsed = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' } });
    if (parsed.values.help) return 'help';
    const [stack, ...extra] = parsed.positionals;
    if (extra.length > 0) return `one stack at a time: unexpected ${JSON.stringify(extra.join(' '))}`;
    return { stack: stackFrom(stack, (s) => JSON.stringify(s)) };
  } catch (e) {
    return (e as Error).message;
  }
}

if (require.main === module) {
  const args = planArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(USAGE);
  } else if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    process.exit(2);
  } else {
    planStack(args.stack)
      .then((text) => console.log(text))
      .catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
      });
  }
}
