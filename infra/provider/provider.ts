/**
 * The sipline-twilio resource provider: the `Provider` object that @pulumi/pulumi/provider's
 * `main` serves over gRPC (server.ts adds Configure and the config checks). It finds the
 * resource type from the URN, moves secrets in and out of the engine's wire form (secrets.ts),
 * validates inputs before any request, and words every failure as one message naming the
 * resource, Twilio's error code and Twilio's text.
 */
import type * as provider from '@pulumi/pulumi/provider';
import type { Twilio } from 'twilio';
import { twilioClient } from './client';
import { idProblem, ignoredBy, type Context, type Diff, type Props, type ResourceType } from './common';
import { describeFailure, PartialFailure, statusOf, TwilioFailure } from './errors';
import type { ProviderSettings, TwilioConfig } from './providerConfig';
import { credential, credentialList } from './resources/credentials';
import { callMapping, registrationMapping } from './resources/mappings';
import { phoneNumber } from './resources/phoneNumber';
import { sipDomain } from './resources/sipDomain';
import { voiceDialingPermissions } from './resources/dialingPermissions';
import { defaultRetryPolicy, isTransient, type RetryPolicy } from './retry';
import schema from './schema.json';
import { unwrap, wrap } from './secrets';

/** The package schema: the contract the program's resource classes follow (test/twilio/schema.test.ts). */
const SCHEMA_RESOURCES: Record<string, { properties: Record<string, { type: string; secret?: boolean }> }> = schema.resources;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = ResourceType<any, any>;
const TYPES: AnyType[] = [sipDomain, credentialList, credential, registrationMapping, callMapping, phoneNumber, voiceDialingPermissions];
const BY_TOKEN = new Map(TYPES.map((t) => [t.token, t]));
/** The properties the schema marks secret, by token: always secret, even when they arrive plain. */
const SECRETS = new Map(TYPES.map((t) => [t.token, Object.entries(SCHEMA_RESOURCES[t.token].properties).filter(([, p]) => p.secret).map(([k]) => k)]));

type LogSeverity = 'info' | 'warning';
export type EngineLog = (severity: LogSeverity, message: string, urn: string) => void;

/** `urn:pulumi:stack::project::parent$type::name` -> type and name. */
function parseUrn(urn: string): { token: string; name: string } {
  const parts = urn.split('::');
  return { token: (parts[2] ?? '').split('$').pop() ?? '', name: parts.slice(3).join('::') };
}

export class TwilioProvider implements provider.Provider {
  readonly version = schema.version;
  readonly schema = JSON.stringify(schema);
  private client?: Twilio;
  private config?: TwilioConfig;
  /** Why there is no client although Configure ran: no credentials (fine for a preview). */
  private missing?: string;

  constructor(
    private readonly log: EngineLog = () => undefined,
    private readonly retry: RetryPolicy = defaultRetryPolicy(),
  ) {}

  /** Called by Configure (server.ts) with the resolved configuration, which may lack credentials. */
  configure(settings: ProviderSettings): void {
    if ('missing' in settings) {
      this.config = this.client = undefined;
      this.missing = settings.missing;
      return;
    }
    this.missing = undefined;
    this.config = settings.credentials;
    this.client = twilioClient(settings.credentials, this.retry);
  }

  async check(urn: string, olds: Props, news: Props): Promise<provider.CheckResult> {
    const { type } = this.resolve(urn);
    const n = unwrap(news);
    const failures = type.check(unwrap(olds).values, n.values);
    return { inputs: wrap(n.values, [...n.secretKeys, ...SECRETS.get(type.token)!]), failures };
  }

  /** `ignoreChanges`: the resource option's paths, as the engine sends them (common.ts ignoredBy). */
  async diff(_id: string, urn: string, olds: Props, news: Props, ignoreChanges: readonly string[] = []): Promise<Diff> {
    const { type } = this.resolve(urn);
    const diff = type.diff(unwrap(olds).values, unwrap(news).values);
    const ignored = ignoredBy(ignoreChanges);
    const diffs = diff.diffs.filter((k) => !ignored(k));
    const replaces = diff.replaces.filter((k) => !ignored(k));
    return { ...diff, changes: diffs.length > 0, diffs, replaces, deleteBeforeReplace: diff.deleteBeforeReplace && replaces.length > 0 };
  }

  /**
   * Create and Update get inputs that this provider's Check has passed: the engine checks every
   * resource it creates or updates first, and stops on a failure (step_generator.go
   * generateSteps: Check, then issueCheckErrors), so they do not validate again.
   */
  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    const { type, name } = this.resolve(urn);
    const i = unwrap(inputs);
    const secrets = [...i.secretKeys, ...SECRETS.get(type.token)!];
    const { id, outputs } = await this.run(type, name, urn, i.values, (ctx) => type.create(ctx, i.values)).catch(keepingSecrets(secrets));
    return { id, outs: wrap(outputs, secrets) };
  }

  async read(id: string, urn: string, props?: Props): Promise<provider.ReadResult> {
    const { type, name } = this.resolve(urn);
    const state = unwrap(props);
    // What `pulumi import` sends: the id alone (step.go ImportStep.Apply: no state, no inputs).
    const importing = Object.keys(state.values).length === 0;
    const found = await this.run(
      type,
      name,
      urn,
      state.values,
      async (ctx) => {
        const read = await type.read(ctx, id, importing ? undefined : state.values);
        // An import of an object that is not there is the user's mistake, to be named. Answered
        // as "gone" instead, the engine would see outputs (the SDK's server always sends the
        // properties, empty) without inputs, and ImportStep.Apply would report "provider does
        // not support importing resources; please try updating the 'sipline-twilio' plugin".
        if (!read && importing) {
          throw new Error(
            `Twilio account ${ctx.accountSid} has no ${kindOf(type)} ${id} (HTTP 404): check the id given to pulumi import, and that sipline-twilio's credentials are for the account that owns it`,
          );
        }
        return read;
      },
      id,
    );
    // In a refresh, an empty id tells the engine the object is gone (deleted outside Pulumi).
    if (!found) return { id: '', props: {} };
    const secrets = [...state.secretKeys, ...SECRETS.get(type.token)!];
    return { id: found.id, props: wrap(found.outputs, secrets), ...(importing ? { inputs: wrap(found.inputs ?? {}, secrets) } : {}) };
  }

  async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    const { type, name } = this.resolve(urn);
    const o = unwrap(olds);
    const n = unwrap(news);
    const secrets = [...n.secretKeys, ...SECRETS.get(type.token)!];
    const outputs = await this.run(type, name, urn, n.values, (ctx) => type.update(ctx, id, o.values, n.values), id).catch(keepingSecrets(secrets));
    return { outs: wrap(outputs, secrets) };
  }

  async delete(id: string, urn: string, props: Props): Promise<void> {
    const { type, name } = this.resolve(urn);
    const state = unwrap(props).values;
    await this.run(type, name, urn, state, (ctx) => type.delete(ctx, id, state), id);
  }

  private resolve(urn: string): { type: AnyType; name: string } {
    const { token, name } = parseUrn(urn);
    const type = BY_TOKEN.get(token);
    if (!type) throw new Error(`sipline-twilio has no resource type ${token} (known: ${[...BY_TOKEN.keys()].join(', ')})`);
    return { type, name };
  }

  /** Runs one resource operation with a client, engine logging and retry reports; words its failure. */
  private async run<T>(type: AnyType, name: string, urn: string, props: Props, op: (ctx: Context) => Promise<T>, id?: string): Promise<T> {
    const what = `${kindOf(type)} ${name} (${type.identity(props, id) || id})`;
    // An id names the object in the request path: a malformed one (a domain name given to
    // `pulumi import` as a SipDomain's id) is refused before any request, naming the form.
    const badId = id === undefined ? undefined : idProblem(type.token, id, type.idParts);
    if (badId) throw new Error(`${what}: ${badId}`);
    // Check and Diff (all a preview runs) need no credentials; every operation that reaches
    // Twilio does, and says what to set, as a gRPC error the engine shows on the resource.
    if (this.missing) throw new Error(`${what}: sipline-twilio cannot call Twilio: ${this.missing}`);
    if (!this.client || !this.config) throw new Error('sipline-twilio was not configured: the engine calls Configure before any resource operation');
    const log = (severity: LogSeverity, message: string) => this.log(severity, message, urn);
    const retry: RetryPolicy = {
      ...this.retry,
      onRetry: (err, attempt, delay) =>
        log('info', `Twilio ${statusOf(err) !== undefined ? `answered ${statusOf(err)}` : 'could not be reached'} for ${what}; retry ${attempt} of ${this.retry.maxAttempts - 1} in ${delay} ms`),
    };
    try {
      return await op({ client: this.client, accountSid: this.config.accountSid, retry, log });
    } catch (err) {
      // Still a PartialFailure, so that the engine records what was applied (errors.ts): the
      // failure is worded as any other, followed by what was applied.
      if (err instanceof PartialFailure) {
        const failure = err.failure === undefined ? what : word(what, err.failure).message;
        throw new PartialFailure(`${failure}; ${err.message}`, err.id, err.properties);
      }
      throw word(what, err);
    }
  }
}

/**
 * One message for a failed operation on `what`: Twilio's answers (and dropped connections) are
 * worded with the resource; the provider's own refusals already explain themselves and get the
 * resource in front.
 */
function word(what: string, err: unknown): Error {
  if (err instanceof TwilioFailure && err.httpStatus === undefined) return new TwilioFailure(`${what}: ${err.message}`);
  if (statusOf(err) !== undefined || isTransient(err)) return describeFailure(what, err);
  return new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
}

/** A partial failure's outputs reach the engine with the same secrets as a success's would. */
const keepingSecrets =
  (secrets: string[]) =>
  (err: unknown): never => {
    throw err instanceof PartialFailure ? new PartialFailure(err.message, err.id, wrap(err.properties, secrets)) : err;
  };

const kindOf = (type: AnyType) => type.token.split(':').pop()!;
