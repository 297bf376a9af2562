/**
 * The sipline Pulumi program: reads the stack's config once, validates it with the function
 * the local router uses (config.ts parseStackConfig), builds the Lambdas' bundles, and declares
 * the AWS router (with its voice fallback), the voicemail worker when voicemails are emailed,
 * the dashboard, and the Twilio side wired to them.
 *
 * infra/index.ts (Pulumi.yaml's `main`) exports `main` itself: the Pulumi Node.js runtime calls
 * an exported function and awaits its result as the stack outputs, and tests, `npm run plan`
 * and `npm run bench` call the same function under mocks (infra/mocks.ts).
 */
import * as pulumi from '@pulumi/pulumi';
import { checkAuthToken } from '../lambda/authToken';
import { bundleRouter, routerCodeFiles, type RouterBundle } from '../lambda/build';
import { bundleFallback } from '../lambda/fallback/build';
import { bundleVoicemailWorker } from '../lambda/voicemail/build';
import { Dashboard, type DashboardTargets } from './components/dashboard';
import { Router } from './components/router';
import { TwilioSip } from './components/twilioSip';
import { Voicemail } from './components/voicemail';
import * as fs from 'node:fs';
import {
  boundNumbers,
  CONFIG_KEYS,
  CONFIG_NAMESPACE,
  ConfigError,
  clearTextSecretWarnings,
  configKeyWarnings,
  missingVoicemailSettings,
  parseStackConfig,
  readStackFile,
  routerDirectoryFrom,
  stackConfigPath,
  type SiplineConfig,
  type VoicemailDelivery,
} from './config';
import { registrarHost, resourceSlugs, type Registration } from './naming';

/**
 * Keys read from `sipline:*` as plain values, all at once: every key sipline reads (CONFIG_KEYS)
 * but the lists of objects (read whole from the runtime, below) and the secrets.
 */
const PLAIN_KEYS = CONFIG_KEYS.filter((key) => !['users', 'groups', 'twilioAuthToken', 'voicemailApiKeySecret'].includes(key));

export interface StackInputs {
  config: SiplineConfig;
  /** A pulumi secret. */
  twilioAuthToken: pulumi.Output<string>;
  /** When a mailbox asks for email: how voicemails are emailed, and the worker's API key secret (a pulumi secret). */
  voicemail?: { delivery: VoicemailDelivery; apiKeySecret: pulumi.Output<string> };
}

/**
 * Reads every `sipline:*` key and validates them together, so one preview lists every bad
 * key. A bad value ends the program with config.ts's message (key and value) and no stack
 * trace: pulumi.RunError.
 */
export function readStackInputs(): StackInputs {
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Record<string, unknown> = {};
  for (const key of PLAIN_KEYS) raw[key] = cfg.get(key);
  // With any `password: { secure: ... }` inside, Pulumi marks the whole `users` key secret.
  // Read its plain structure from the runtime (Config.getObject would, once pulumi/pulumi#7127
  // re-enables it, warn about reading a secret in the clear); each password is wrapped in
  // pulumi.secret below, before any resource sees it, and the rest is not secret.
  raw.users = pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:users`);
  // Hunt groups (a list of objects, like users; nothing secret in them).
  raw.groups = pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:groups`);

  for (const warning of configKeyWarnings(Object.keys(pulumi.runtime.allConfig()))) pulumi.log.warn(warning);

  let config: SiplineConfig;
  try {
    config = parseStackConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  // What only a deploy needs: a local run emails nothing. getConfig hands over the decrypted
  // secret, which is checked and never echoed.
  const missing = missingVoicemailSettings(raw, config, pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:voicemailApiKeySecret`));
  if (missing.length > 0) throw new pulumi.RunError(`Invalid stack configuration:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  try {
    // Per-user resources are named after usernames; two that map to one name cannot deploy.
    resourceSlugs(config.users.map((u) => u.username));
  } catch (e) {
    throw new pulumi.RunError(`Invalid stack configuration:\n  - ${CONFIG_NAMESPACE}:users: ${(e as Error).message}`);
  }
  // The stack's config may live elsewhere (Pulumi ESC, the service): then there is no file to check.
  const file = stackConfigPath(pulumi.getStack());
  if (fs.existsSync(file)) for (const warning of clearTextSecretWarnings(readStackFile(file))) pulumi.log.warn(warning);
  let twilioAuthToken: pulumi.Output<string>;
  try {
    twilioAuthToken = cfg.requireSecret('twilioAuthToken');
  } catch {
    throw new pulumi.RunError(`Invalid stack configuration:\n  - ${CONFIG_NAMESPACE}:twilioAuthToken is not set: pulumi config set --secret twilioAuthToken (it prompts for the value, which then stays out of your shell history)`);
  }
  try {
    // The router would refuse a malformed token on every call (503): fail the preview instead.
    // getConfig hands over the decrypted value; the message never contains it.
    checkAuthToken(pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:twilioAuthToken`) ?? '', `${CONFIG_NAMESPACE}:twilioAuthToken`);
  } catch (e) {
    throw new pulumi.RunError(`Invalid stack configuration:\n  - ${(e as Error).message}`);
  }
  // Read only when a mailbox asks for email (checked above, missingVoicemailSettings): a stack
  // without voicemail email needs no API key.
  const delivery = config.voicemailDelivery;
  return { config, twilioAuthToken, ...(delivery ? { voicemail: { delivery, apiKeySecret: cfg.requireSecret('voicemailApiKeySecret') } } : {}) };
}

/** A bundle depends on lambda/ only, not on config: built once per process. */
function buildOnce<T>(what: string, build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((e: unknown) => {
      built = undefined;
      throw new pulumi.RunError(`Building ${what} from lambda/ failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    return built;
  };
}
const routerBundle = buildOnce<RouterBundle>('the router bundle', () => bundleRouter());
const voicemailBundle = buildOnce('the voicemail worker bundle', () => bundleVoicemailWorker());
const fallbackBundle = buildOnce('the voice fallback bundle', () => bundleFallback());

export interface SiplineOutputs {
  /** The webhook API's base URL (no trailing slash). */
  apiUrl: pulumi.Output<string>;
  /** The SIP domain, e.g. acme.sip.twilio.com. */
  sipDomain: pulumi.Output<string>;
  /** Where phones register (with the edge, when one is set). */
  registrar: string;
  /** Secret: per username, what to type into a softphone. */
  registrations: pulumi.Output<Record<string, Registration>>;
  routerFunctionName: pulumi.Output<string>;
  /** Where the router logs: `aws logs tail <it>`. */
  routerLogGroup: pulumi.Output<string>;
  /** Where the voice fallback logs (one line per call the router failed). */
  fallbackLogGroup: pulumi.Output<string>;
  alarmTopicArn: pulumi.Output<string>;
  /** The stack's CloudWatch dashboard in the AWS console. */
  dashboardUrl: pulumi.Output<string>;
  /** Where the voicemail worker logs, when voicemails are emailed. */
  voicemailLogGroup?: pulumi.Output<string>;
  /** The voicemail jobs that failed every retry: what `aws sqs start-message-move-task --source-arn` takes. */
  voicemailDeadLetterQueueArn?: pulumi.Output<string>;
}

export async function main(): Promise<SiplineOutputs> {
  const { config, twilioAuthToken, voicemail: emailed } = readStackInputs();
  const stack = pulumi.getStack();
  const codeFiles = routerCodeFiles(await routerBundle());
  const namePrefix = `${pulumi.getProject()}-${stack}`;
  const tags = { project: 'sipline', stack };

  const router = new Router('sipline-router', {
    codeFiles,
    fallbackCode: (await fallbackBundle()).code,
    directory: routerDirectoryFrom(config),
    twilioAuthToken,
    namePrefix,
    stack,
    voicemailQueue: emailed !== undefined,
    ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
    tags,
  });

  // The router declares the queue exactly when voicemails are emailed.
  const queue = router.voicemailQueue;
  const voicemail =
    emailed && queue
      ? {
          queue,
          worker: new Voicemail('sipline-voicemail', {
            code: (await voicemailBundle()).code,
            queue,
            region: router.region,
            accountId: router.accountId,
            senderEmail: emailed.delivery.from,
            declareSenderIdentity: emailed.delivery.senderIdentity === 'address',
            apiKey: { accountSid: emailed.delivery.accountSid, apiKeySid: emailed.delivery.apiKeySid, apiKeySecret: emailed.apiKeySecret },
            deleteAfterEmail: emailed.delivery.deleteAfterEmail,
            timeZone: emailed.delivery.timeZone,
            stack,
            namePrefix,
            nameSuffix: router.nameSuffix,
            alarmTopicArn: router.alarmTopicArn,
            tags,
          }),
        }
      : undefined;

  const dashboard = new Dashboard('sipline-dashboard', {
    dashboardName: router.nameSuffix.apply((suffix) => `${namePrefix}-${suffix}`),
    targets: pulumi
      .all([
        router.region,
        router.functionName,
        router.fallbackFunctionName,
        router.logGroupName,
        router.apiId,
        voicemail && pulumi.output({ workerFunction: voicemail.worker.workerFunctionName, queue: voicemail.queue.name, deadLetterQueue: voicemail.queue.deadLetterName }),
      ])
      .apply(([region, routerFunction, fallbackFunction, routerLogGroup, apiId, voicemailTargets]): DashboardTargets => ({
        region,
        stack,
        routerFunction,
        fallbackFunction,
        routerLogGroup,
        apiId,
        ...(voicemailTargets ? { voicemail: voicemailTargets } : {}),
      })),
  });

  const sip = new TwilioSip('sipline', {
    domainLabel: config.domainName,
    friendlyName: `sipline ${stack}`.slice(0, 64),
    outboundVoiceUrl: router.outboundVoiceUrl,
    inboundVoiceUrl: router.inboundVoiceUrl,
    voiceFallbackUrl: router.fallbackUrl,
    statusCallbackUrl: router.statusCallbackUrl,
    users: config.users.map((u) => ({
      username: u.username,
      ...(u.password === undefined ? {} : { password: pulumi.secret(u.password) }),
    })),
    numbers: boundNumbers(config),
    // sipline:secureSip, on by default: a registered phone is a door to paid PSTN calls, and
    // TLS keeps its REGISTER digests and its calls off the wire. Every mainstream softphone
    // (Linphone, Groundwire, Bria, MicroSIP, Telephone) supports it.
    secure: config.secureSip,
    emergencyCallingEnabled: config.emergencyCalling,
    ...(config.manageDialingPermissions ? { dialingPermissions: config.allowedCountries } : {}),
    ...(config.edge === undefined ? {} : { edge: config.edge }),
  });

  return {
    apiUrl: router.apiUrl,
    sipDomain: sip.domainName,
    registrar: registrarHost(config.domainName, config.edge),
    registrations: sip.registrations,
    routerFunctionName: router.functionName,
    routerLogGroup: router.logGroupName,
    fallbackLogGroup: router.fallbackLogGroupName,
    alarmTopicArn: router.alarmTopicArn,
    dashboardUrl: dashboard.url,
    ...(voicemail ? { voicemailLogGroup: voicemail.worker.workerLogGroupName, voicemailDeadLetterQueueArn: voicemail.queue.deadLetterArn } : {}),
  };
}
