/**
 * sipline's policies: what every stack must hold to, checked by `pulumi preview --policy-pack
 * policy` (the CI workflows run it on every pull request). Each message names the resource.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
// The Twilio tokens' one list; the pack runs from the repository (`--policy-pack policy`), so it
// reaches infra/ (a file with no imports).
import { TWILIO_TYPES } from '../infra/twilio/types';

export const TYPES = {
  sipDomain: TWILIO_TYPES.sipDomain,
  credential: TWILIO_TYPES.credential,
  registrationMapping: TWILIO_TYPES.registrationMapping,
  callMapping: TWILIO_TYPES.callMapping,
  numberVoiceConfig: TWILIO_TYPES.phoneNumber,
  lambda: 'aws:lambda/function:Function',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
} as const;

/** Lambda runtimes AWS supports for new functions that the router's bundle targets. */
export const SUPPORTED_RUNTIMES = ['nodejs22.x', 'nodejs24.x'];

type Check = (props: Record<string, any>, args: ResourceValidationArgs, report: ReportViolation) => void;

/** A resource policy that looks only at one resource type. */
function onType(type: string, check: Check): ResourceValidationPolicy['validateResource'] {
  return (args, report) => {
    if (args.type === type) check(args.props, args, report);
  };
}

/** Props may be unknown during a preview; only a known value can break a rule. */
const known = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * An environment variable whose name says it holds a credential (TWILIO_AUTH_TOKEN, TWILIO_API_KEY_SECRET,
 * SIP_PASSWORD…). Names ending in _ARN, _VERSION, _NAME or _ID point at a secret instead of holding it.
 */
function namesASecretValue(name: string): boolean {
  return /TOKEN|SECRET|PASSWORD|API_?KEY/i.test(name) && !/_(ARN|VERSION|NAME|ID)$/i.test(name);
}

function isHttps(url: unknown): boolean {
  return typeof url === 'string' && /^https:\/\/[^\s/]+/.test(url);
}

export const resourcePolicies: ResourceValidationPolicy[] = [
  {
    name: 'sip-domain-registers-phones',
    description: 'The SIP domain accepts registrations and sends calls to a voice URL.',
    enforcementLevel: 'mandatory',
    validateResource: onType(TYPES.sipDomain, (props, args, report) => {
      if (known(props.sipRegistration) && props.sipRegistration !== true) report(`SIP domain ${args.name} must have sipRegistration enabled, or no phone can register.`);
      // During a preview the URL is unknown (absent); only a known empty one breaks the rule.
      if (props.voiceUrl === '') report(`SIP domain ${args.name} has no voiceUrl: calls from its phones would go nowhere.`);
    }),
  },
  {
    name: 'twilio-fallback-url',
    description: 'The SIP domain and every number have a voice fallback URL, so a caller hears an apology rather than Twilio\'s application error when the router fails.',
    enforcementLevel: 'mandatory',
    validateResource: (args, report) => {
      if (args.type !== TYPES.sipDomain && args.type !== TYPES.numberVoiceConfig) return;
      // As for voiceUrl above: during a preview the URL is unknown (absent); only a known
      // empty one breaks the rule.
      if (args.props.voiceFallbackUrl === '') {
        const what = args.type === TYPES.sipDomain ? 'SIP domain' : 'Number voice config';
        report(`${what} ${args.name} has no voiceFallbackUrl: when the router fails, callers would hear Twilio's application error.`);
      }
    },
  },
  {
    name: 'twilio-webhooks-https',
    description: 'Twilio sends webhooks (and their signatures) only over HTTPS.',
    enforcementLevel: 'mandatory',
    validateResource: (args, report) => {
      const fields: Record<string, string[]> = {
        [TYPES.sipDomain]: ['voiceUrl', 'voiceFallbackUrl', 'voiceStatusCallbackUrl'],
        [TYPES.numberVoiceConfig]: ['voiceUrl', 'voiceFallbackUrl', 'statusCallback'],
      };
      for (const field of fields[args.type] ?? []) {
        const url = args.props[field];
        if (typeof url === 'string' && url !== '' && !isHttps(url)) report(`${args.name}: ${field} ${JSON.stringify(url)} must be an https:// URL.`);
      }
    },
  },
  {
    name: 'sip-domain-secure',
    description: 'Phones register over TLS with SRTP media, so credentials and calls stay off the wire (sipline:secureSip, on by default).',
    // Advisory: turning it off is a deliberate stack setting for phones that cannot do TLS, so
    // it is reported on every preview, never refused.
    enforcementLevel: 'advisory',
    validateResource: onType(TYPES.sipDomain, (props, args, report) => {
      if (known(props.secure) && props.secure !== true) {
        report(
          `SIP domain ${args.name} does not require TLS and SRTP (sipline:secureSip is false): its phones' REGISTER digests and call audio cross the network in clear. Set sipline:secureSip to true once every phone can register over TLS.`,
        );
      }
    }),
  },
  {
    name: 'router-lambda-runtime',
    description: `The router runs on a supported Node.js runtime (${SUPPORTED_RUNTIMES.join(', ')}) on arm64.`,
    enforcementLevel: 'mandatory',
    validateResource: onType(TYPES.lambda, (props, args, report) => {
      if (known(props.runtime) && !SUPPORTED_RUNTIMES.includes(String(props.runtime))) report(`Lambda ${args.name} runs on ${props.runtime}; use one of ${SUPPORTED_RUNTIMES.join(', ')}.`);
      if (known(props.architectures) && JSON.stringify(props.architectures) !== JSON.stringify(['arm64'])) report(`Lambda ${args.name} should run on arm64, not ${JSON.stringify(props.architectures)}.`);
    }),
  },
  {
    name: 'no-secrets-in-lambda-environment',
    description: 'The Twilio auth token and API key secret reach the functions through Secrets Manager, never as environment variables.',
    enforcementLevel: 'mandatory',
    validateResource: onType(TYPES.lambda, (props, args, report) => {
      const variables: Record<string, unknown> = props.environment?.variables ?? {};
      for (const name of Object.keys(variables)) {
        if (namesASecretValue(name)) report(`Lambda ${args.name} has ${name} in its environment; pass a Secrets Manager ARN instead.`);
      }
    }),
  },
  {
    name: 'log-retention',
    description: 'Log groups keep logs for a bounded time (call logs carry phone numbers).',
    enforcementLevel: 'mandatory',
    validateResource: onType(TYPES.logGroup, (props, args, report) => {
      const days = props.retentionInDays as number | undefined;
      if (days === undefined || days === null || days === 0) report(`Log group ${args.name} keeps logs forever; set retentionInDays.`);
      else if (days > 400) report(`Log group ${args.name} keeps logs ${days} days; keep call logs at most 400 days.`);
    }),
  },
];

export const stackPolicies: StackValidationPolicy[] = [
  {
    name: 'sip-domain-authenticates-both-ways',
    description: 'Every SIP domain maps a credential list for registrations and for calls: without the calls mapping it accepts no calls.',
    enforcementLevel: 'mandatory',
    validateStack: (args, report) => {
      const domains = args.resources.filter((r) => r.type === TYPES.sipDomain);
      for (const domain of domains) {
        for (const [type, what] of [[TYPES.registrationMapping, 'registrations'], [TYPES.callMapping, 'calls']] as const) {
          const mapped = args.resources.some((r) => r.type === type && (r.props.domainSid === undefined || r.props.domainSid === domain.props.sid));
          if (!mapped) report(`SIP domain ${domain.name} has no credential list mapped for ${what}.`);
        }
      }
    },
  },
];
