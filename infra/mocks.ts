/**
 * Runs the real sipline program (infra/index.ts) under Pulumi's unit-test mocks: no engine,
 * no cloud, no credentials. Used by the tests (test/infra), `npm run plan` and `npm run bench`.
 *
 * The mocks record every resource the program declares (type, name, parent, inputs, which
 * inputs are secret), answer with plausible ids and outputs (an HTTP API endpoint, ARNs,
 * Twilio sids, policy-abiding generated passwords), and throw on any `call` (data source /
 * invoke): the program makes none, and one added by accident must fail the tests rather than
 * reach for credentials at `pulumi up`.
 */
import * as pulumi from '@pulumi/pulumi';
import { createHash } from 'node:crypto';
import { CONFIG_NAMESPACE } from './config';
import type { SiplineOutputs } from './program';
import { isSecret, secret, unwrapSecrets } from './provider/secrets';
import { TWILIO_TYPES } from './twilio/types';

export const MOCK_ACCOUNT = '123456789012';
export const MOCK_REGION = 'us-east-1';
export const MOCK_API_ID = 'abc123';
export const MOCK_API_ENDPOINT = `https://${MOCK_API_ID}.execute-api.${MOCK_REGION}.amazonaws.com`;
export const MOCK_EXECUTION_ARN = `arn:aws:execute-api:${MOCK_REGION}:${MOCK_ACCOUNT}:${MOCK_API_ID}`;

export const MOCK_TWILIO_ACCOUNT = `AC${'0'.repeat(32)}`;

export interface RecordedResource {
  type: string;
  name: string;
  /** False for component resources. */
  custom: boolean;
  /** `type::name` of the parent resource; undefined for children of the stack. */
  parent?: string;
  /** `type::name` of each resource in its `dependsOn` option, sorted; [] when none. */
  dependsOn: string[];
  /** Inputs as the provider would receive them, secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Top-level input names whose value was a secret. */
  secretInputs: string[];
  id?: string;
  /** What the mock answered: inputs plus computed outputs (secrets unwrapped). */
  state: Record<string, unknown>;
}

export function resourceKey(type: string, name: string): string {
  return `${type}::${name}`;
}

/** A Twilio sid (prefix + 32 hex digits), deterministic per seed. */
const twilioSid = (prefix: string, seed: string) => `${prefix}${hex(seed, 32)}`;

/** Deterministic hex from a string: stable sids and ids across runs. */
function hex(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, length);
}

/**
 * A password as random.RandomPassword would make it from these inputs (length, which classes,
 * minimum counts, special characters), deterministic per resource name.
 */
export function mockRandomPassword(name: string, inputs: Record<string, unknown>): string {
  const length = Number(inputs.length ?? 16);
  const classes: Array<[boolean, number, string]> = [
    [inputs.upper !== false, Number(inputs.minUpper ?? 0), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
    [inputs.lower !== false, Number(inputs.minLower ?? 0), 'abcdefghijklmnopqrstuvwxyz'],
    [inputs.numeric !== false, Number(inputs.minNumeric ?? 0), '0123456789'],
    [inputs.special !== false, Number(inputs.minSpecial ?? 0), typeof inputs.overrideSpecial === 'string' ? inputs.overrideSpecial : '!@#$%&*()-_=+[]{}<>:?'],
  ];
  const bytes = Buffer.from(hex(`password:${name}`, length * 4), 'hex');
  let b = 0;
  const pick = (set: string) => set[bytes[b++ % bytes.length] % set.length];
  const chars: string[] = [];
  for (const [on, min, set] of classes) if (on) for (let i = 0; i < min; i++) chars.push(pick(set));
  const all = classes.filter(([on]) => on).map(([, , set]) => set).join('');
  while (chars.length < length) chars.push(pick(all));
  return chars.join('');
}

/** Outputs the providers would compute, by type. */
function computedOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const arn = (service: string, resource: string, region = MOCK_REGION) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${resource}`;
  const physical = `${name}-${hex(name, 7)}`;
  switch (type) {
    case 'aws:apigatewayv2/api:Api':
      return { apiEndpoint: MOCK_API_ENDPOINT, executionArn: MOCK_EXECUTION_ARN, arn: `arn:aws:apigateway:${MOCK_REGION}::/apis/${MOCK_API_ID}` };
    case 'aws:lambda/function:Function': {
      const fnName = (inputs.name as string | undefined) ?? physical;
      return {
        name: fnName,
        arn: arn('lambda', `function:${fnName}`),
        invokeArn: `arn:aws:apigateway:${MOCK_REGION}:lambda:path/2015-03-31/functions/${arn('lambda', `function:${fnName}`)}/invocations`,
      };
    }
    case 'aws:sqs/queue:Queue':
      // SQS: the queue's ARN, its name (auto-named, as the provider does) and its URL.
      return { arn: arn('sqs', physical), name: physical, url: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${physical}` };
    case 'aws:sesv2/emailIdentity:EmailIdentity':
      return { arn: arn('ses', `identity/${String(inputs.emailIdentity)}`) };
    case 'aws:secretsmanager/secret:Secret':
      return { arn: arn('secretsmanager', `secret:${physical}-${hex(`${name}/suffix`, 6)}`), name: physical };
    case 'aws:secretsmanager/secretVersion:SecretVersion':
      // Like Secrets Manager: a new value is a new version.
      return { versionId: hex(`${name}/${JSON.stringify(inputs.secretString)}`, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-') };
    case 'aws:cloudwatch/logGroup:LogGroup':
      // Like the AWS provider: the group's ARN without the trailing `:*`.
      return { arn: arn('logs', `log-group:${(inputs.name as string | undefined) ?? physical}`) };
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${physical}`, name: physical };
    case 'aws:sns/topic:Topic':
      return { arn: arn('sns', physical), name: physical };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { arn: arn('cloudwatch', `alarm:${physical}`) };
    case 'random:index/randomPassword:RandomPassword':
      return { result: secret(mockRandomPassword(name, inputs)) };
    case 'random:index/randomId:RandomId': {
      // Different per project and stack, as the provider's random bytes would be; stable per run.
      const bytes = Buffer.from(hex(`${pulumi.getProject()}/${pulumi.getStack()}/${name}`, 2 * Number(inputs.byteLength)), 'hex');
      return { hex: bytes.toString('hex'), b64Std: bytes.toString('base64'), b64Url: bytes.toString('base64url'), dec: BigInt(`0x${bytes.toString('hex')}`).toString() };
    }
    case TWILIO_TYPES.sipDomain:
      return { sid: twilioSid('SD', name) };
    case TWILIO_TYPES.credentialList:
      return { sid: twilioSid('CL', name) };
    case TWILIO_TYPES.credential:
      return { sid: twilioSid('CR', name) };
    case TWILIO_TYPES.phoneNumber:
      return { sid: twilioSid('PN', String(inputs.phoneNumber)), previous: {} };
    case TWILIO_TYPES.dialingPermissions:
      return { lowRiskCountries: inputs.allowedCountries, highRiskCountries: [], previous: {} };
    default:
      return type.startsWith('aws:') ? { arn: arn(type.split(':')[1].split('/')[0], physical) } : {};
  }
}

/** Ids as sipline-twilio makes them (infra/provider/resources): sids, or sids joined by "/". */
function twilioId(type: string, name: string, inputs: Record<string, unknown>, computed: Record<string, unknown>): string | undefined {
  switch (type) {
    case TWILIO_TYPES.credential:
      return `${inputs.credentialListSid}/${computed.sid}`;
    case TWILIO_TYPES.registrationMapping:
    case TWILIO_TYPES.callMapping:
      return `${inputs.domainSid}/${inputs.credentialListSid}`;
    case TWILIO_TYPES.dialingPermissions:
      return MOCK_TWILIO_ACCOUNT;
    default:
      return type.startsWith('sipline-twilio:') ? String(computed.sid) : undefined;
  }
}

function mockId(type: string, name: string): string {
  if (type === 'aws:apigatewayv2/api:Api') return MOCK_API_ID;
  return `${name}-${hex(`${type}/${name}`, 8)}`;
}

export class SiplineMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  /** Parents by `type::name`, filled in by the stack transformation `runSipline` registers. */
  readonly parents = new Map<string, string>();
  /** `dependsOn` by `type::name`, filled in by the same transformation. */
  readonly dependsOn = new Map<string, string[]>();

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const wireInputs = args.inputs as Record<string, unknown>;
    const secretInputs = Object.keys(wireInputs).filter((k) => isSecret(wireInputs[k]));
    const inputs = unwrapSecrets(wireInputs) as Record<string, unknown>;
    const computed = args.custom ? computedOutputs(args.type, args.name, inputs) : {};
    // args.id is "" unless importing
    const id = args.custom ? args.id || twilioId(args.type, args.name, inputs, computed) || mockId(args.type, args.name) : undefined;
    // Secret inputs come back secret, as they would from the engine.
    const state = { ...wireInputs, ...computed };
    this.resources.push({
      type: args.type,
      name: args.name,
      custom: args.custom ?? true,
      parent: this.parents.get(resourceKey(args.type, args.name)),
      dependsOn: this.dependsOn.get(resourceKey(args.type, args.name)) ?? [],
      inputs,
      secretInputs,
      ...(id === undefined ? {} : { id }),
      state: unwrapSecrets(state) as Record<string, unknown>,
    });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    throw new Error(`Unmocked call ${args.token}(${JSON.stringify(args.inputs)}): sipline makes no data-source calls; mock it in infra/mocks.ts if one is intended`);
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string, name?: string): RecordedResource {
    const found = this.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ''}, found ${found.length}`);
    return found[0];
  }
}

/** Stack config for a run: keys without the `sipline:` namespace (others, like `aws:region`, as is). */
export interface RunOptions {
  config: Record<string, unknown>;
  /** Keys (as in `config`) to hand over as secrets, as the CLI does for `secure:` values. */
  secretKeys?: string[];
  stack?: string;
  /** Pulumi.yaml's `name`; default `sipline`. */
  project?: string;
  /** Evaluate as `pulumi preview` (unknown outputs) instead of `pulumi up`. */
  preview?: boolean;
  /**
   * Receives what the program logs with pulumi.log.warn. Without an engine (as under mocks) the
   * SDK prints those to the console itself, as `warning: [runtime] ...` (@pulumi/pulumi
   * log/index.js warn), a prefix `pulumi preview` never shows; a caller that shows warnings to a
   * user (npm run plan) words them as the CLI does.
   */
  onWarning?: (message: string) => void;
}

export interface RunResult {
  mocks: SiplineMocks;
  /** The Output objects the program returned. */
  outputs: SiplineOutputs;
  /** Their values, secrets unwrapped. */
  values: Record<string, unknown>;
  /** Names of the outputs that are secret. */
  secretOutputs: string[];
}

function fullKey(key: string): string {
  return key.includes(':') ? key : `${CONFIG_NAMESPACE}:${key}`;
}

/** Pulumi hands every config value to the program as a string; objects as JSON. */
function asConfigString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function resolveOutput<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise<T>((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/**
 * Evaluates infra/index.ts with this config under fresh mocks, waits until every resource is
 * registered, and returns what was declared and what the stack would output.
 * Runs one at a time: Pulumi's runtime state is per process.
 */
export async function runSipline(options: RunOptions): Promise<RunResult> {
  const mocks = new SiplineMocks();
  await pulumi.runtime.setMocks(mocks, options.project ?? 'sipline', options.stack ?? 'dev', options.preview ?? false);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(options.config).filter(([, v]) => v !== undefined).map(([k, v]) => [fullKey(k), asConfigString(v)])),
    (options.secretKeys ?? []).map(fullKey),
  );

  // The entry point, not a copy: Pulumi.yaml's `main`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const main = require('./index') as () => Promise<SiplineOutputs>;
  // The program calls pulumi.log.warn through the SDK's log module, looked up at each call.
  const log = pulumi.log as { warn: typeof pulumi.log.warn };
  const sdkWarn = log.warn;
  const { onWarning } = options;
  if (onWarning) log.warn = async (message: string) => onWarning(message);
  const keys = new WeakMap<pulumi.Resource, string>();
  let outputs: SiplineOutputs | undefined;
  let failure: { error: unknown } | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      // Stack transformations see each resource's options, which is where the parent is.
      pulumi.runtime.registerStackTransformation(({ resource, type, name, opts }) => {
        const key = resourceKey(type, name);
        keys.set(resource, key);
        const parent = opts.parent ? keys.get(opts.parent) : undefined;
        if (parent !== undefined) mocks.parents.set(key, parent);
        // sipline passes plain resources or arrays of them (not Outputs of them).
        const deps = opts.dependsOn;
        const list = Array.isArray(deps) ? deps : deps instanceof pulumi.Resource ? [deps] : [];
        mocks.dependsOn.set(key, list.map((d) => (d instanceof pulumi.Resource ? keys.get(d) : undefined) ?? '(unknown)').sort());
        return undefined;
      });
      // A failing program is reported to the caller, not left to reject the stack resource's
      // own promises (which nobody awaits under mocks: an unhandled rejection).
      try {
        outputs = await main();
      } catch (error) {
        failure = { error };
      }
      return outputs;
    });
  } finally {
    // Every registration has reached the mocks once the RPC queue drains.
    await pulumi.runtime.disconnect();
    log.warn = sdkWarn;
  }
  if (failure) throw failure.error;
  if (outputs === undefined) throw new Error('the program returned no outputs');
  const values: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [key, value] of Object.entries(outputs)) {
    values[key] = await resolveOutput(value);
    if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) secretOutputs.push(key);
  }
  return { mocks, outputs, values, secretOutputs };
}
