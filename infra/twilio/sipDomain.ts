import * as pulumi from '@pulumi/pulumi';
import type { DomainInstance } from 'twilio/lib/rest/api/v2010/account/sip/domain';
import { twilioClient } from './client';
import { compact, diffFields, ignoreNotFound, pickDefined, withDefaults } from './common';
import { explain, isNotFound } from './errors';
import { createOrAdopt, withRetry } from './retry';
import {
  assertValid,
  checkFields,
  FieldRule,
  validateBoolean,
  validateFriendlyName,
  validateHttpMethod,
  validateSid,
  validateSipDomainName,
  validateUrl,
} from './validate';

export interface SipDomainArgs {
  /** Full name, e.g. acme.sip.twilio.com. A change replaces the domain. */
  domainName: pulumi.Input<string>;
  friendlyName?: pulumi.Input<string>;
  voiceUrl?: pulumi.Input<string>;
  voiceMethod?: pulumi.Input<'GET' | 'POST'>;
  voiceFallbackUrl?: pulumi.Input<string>;
  voiceFallbackMethod?: pulumi.Input<'GET' | 'POST'>;
  voiceStatusCallbackUrl?: pulumi.Input<string>;
  voiceStatusCallbackMethod?: pulumi.Input<'GET' | 'POST'>;
  sipRegistration?: pulumi.Input<boolean>;
  secure?: pulumi.Input<boolean>;
  emergencyCallingEnabled?: pulumi.Input<boolean>;
  /** PN... sid of an owned number used as the emergency callback number. */
  emergencyCallerSid?: pulumi.Input<string>;
}

export type SipDomainInputs = pulumi.Unwrap<SipDomainArgs>;
export interface SipDomainOutputs extends SipDomainInputs {
  sid: string;
}

/** Fields sent on create and update (DomainName is create-only: a change replaces). */
const SETTINGS = [
  'friendlyName',
  'voiceUrl',
  'voiceMethod',
  'voiceFallbackUrl',
  'voiceFallbackMethod',
  'voiceStatusCallbackUrl',
  'voiceStatusCallbackMethod',
  'sipRegistration',
  'secure',
  'emergencyCallingEnabled',
  'emergencyCallerSid',
] as const;

export const sipDomainRules: Record<string, FieldRule> = {
  domainName: validateSipDomainName,
  friendlyName: (v, f) => validateFriendlyName(v, f),
  voiceUrl: validateUrl,
  voiceMethod: validateHttpMethod,
  voiceFallbackUrl: validateUrl,
  voiceFallbackMethod: validateHttpMethod,
  voiceStatusCallbackUrl: validateUrl,
  voiceStatusCallbackMethod: validateHttpMethod,
  sipRegistration: validateBoolean,
  secure: validateBoolean,
  emergencyCallingEnabled: validateBoolean,
  emergencyCallerSid: (v, f) => validateSid(v, 'PN', f),
};

function toOutputs(d: DomainInstance): SipDomainOutputs {
  return compact({
    sid: d.sid,
    domainName: d.domainName,
    friendlyName: d.friendlyName,
    voiceUrl: d.voiceUrl,
    voiceMethod: d.voiceMethod as 'GET' | 'POST',
    voiceFallbackUrl: d.voiceFallbackUrl,
    voiceFallbackMethod: d.voiceFallbackMethod as 'GET' | 'POST',
    voiceStatusCallbackUrl: d.voiceStatusCallbackUrl,
    voiceStatusCallbackMethod: d.voiceStatusCallbackMethod as 'GET' | 'POST',
    sipRegistration: d.sipRegistration,
    secure: d.secure,
    emergencyCallingEnabled: d.emergencyCallingEnabled,
    emergencyCallerSid: d.emergencyCallerSid,
  });
}

const sameDomainName = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/**
 * SIP Domain, /2010-04-01/Accounts/{AC}/SIP/Domains.
 * - create: GET Domains.json (all pages) for a domain with this DomainName; found, it is
 *   adopted and POST Domains/{SD}.json applies the settings; otherwise POST Domains.json.
 * - read: GET Domains/{SD}.json; 404 reports it gone.
 * - update: POST Domains/{SD}.json with the settings given.
 * - delete: DELETE Domains/{SD}.json (404 counts as done).
 * - diff: domainName replaces (delete first: the name is globally unique); the rest update.
 */
export const sipDomainProvider: pulumi.dynamic.ResourceProvider<SipDomainInputs, SipDomainOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkFields(news, sipDomainRules, ['domainName']) };
  },

  async diff(_id, olds, news) {
    return diffFields(olds, news, SETTINGS, ['domainName'], {
      domainName: sameDomainName,
    });
  },

  async create(inputs) {
    const name = inputs.domainName;
    assertValid('SipDomain', name, checkFields(inputs, sipDomainRules, ['domainName']));
    const client = twilioClient();
    const settings = pickDefined(inputs, SETTINGS);
    const domain = await explain('SipDomain', name, async () => {
      const { object, adopted } = await createOrAdopt(
        async () => (await client.sip.domains.list()).find((d) => sameDomainName(d.domainName) === sameDomainName(name)),
        () => client.sip.domains.create({ domainName: name, ...settings }),
      );
      if (!adopted || Object.keys(settings).length === 0) return object;
      return withRetry(() => client.sip.domains(object.sid).update(settings));
    });
    return { id: domain.sid, outs: toOutputs(domain) };
  },

  async read(id, props) {
    const client = twilioClient();
    try {
      const domain = await explain('SipDomain', props?.domainName ?? id, () => withRetry(() => client.sip.domains(id).fetch()));
      return { id, props: toOutputs(domain) };
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  },

  async update(id, _olds, news) {
    const name = news.domainName;
    assertValid('SipDomain', name, checkFields(news, sipDomainRules, ['domainName']));
    const client = twilioClient();
    const settings = pickDefined(news, SETTINGS);
    const domain = await explain('SipDomain', name, () =>
      withRetry(() => (Object.keys(settings).length ? client.sip.domains(id).update(settings) : client.sip.domains(id).fetch())),
    );
    return { outs: toOutputs(domain) };
  },

  async delete(id, props) {
    const client = twilioClient();
    await explain('SipDomain', props.domainName ?? id, () => withRetry(() => client.sip.domains(id).remove()).then(() => undefined, ignoreNotFound));
  },
};

/** A Twilio SIP Domain that phones register to and place calls through. */
export class SipDomain extends pulumi.dynamic.Resource {
  declare readonly sid: pulumi.Output<string>;
  declare readonly domainName: pulumi.Output<string>;
  declare readonly friendlyName: pulumi.Output<string | undefined>;
  declare readonly voiceUrl: pulumi.Output<string | undefined>;
  declare readonly voiceMethod: pulumi.Output<'GET' | 'POST' | undefined>;
  declare readonly voiceFallbackUrl: pulumi.Output<string | undefined>;
  declare readonly voiceFallbackMethod: pulumi.Output<'GET' | 'POST' | undefined>;
  declare readonly voiceStatusCallbackUrl: pulumi.Output<string | undefined>;
  declare readonly voiceStatusCallbackMethod: pulumi.Output<'GET' | 'POST' | undefined>;
  declare readonly sipRegistration: pulumi.Output<boolean | undefined>;
  declare readonly secure: pulumi.Output<boolean | undefined>;
  declare readonly emergencyCallingEnabled: pulumi.Output<boolean | undefined>;
  declare readonly emergencyCallerSid: pulumi.Output<string | undefined>;

  constructor(name: string, args: SipDomainArgs, opts?: pulumi.CustomResourceOptions) {
    // Plain values are checked now so `pulumi preview` fails before any request.
    assertValid('SipDomain', name, checkFields(args, sipDomainRules, ['domainName']));
    const outputs = Object.fromEntries(['sid', 'domainName', ...SETTINGS].map((k) => [k, undefined]));
    super(sipDomainProvider, name, { ...outputs, ...args }, withDefaults(opts), 'twilio', 'SipDomain');
  }
}
