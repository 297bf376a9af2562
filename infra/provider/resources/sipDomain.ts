import type { DomainInstance } from 'twilio/lib/rest/api/v2010/account/sip/domain';
import { TWILIO_TYPES } from '../../twilio/types';
import { checkResource, SIP_DOMAIN } from '../../twilio/validate';
import { compact, conflictWith, diffFields, goneAs404, pickDefined, type ResourceType } from '../common';
import { createOrAdopt, ignoreNotFound, withRetry } from '../retry';

export interface SipDomainInputs extends Record<string, unknown> {
  domainName: string;
  friendlyName?: string;
  voiceUrl?: string;
  voiceMethod?: string;
  voiceFallbackUrl?: string;
  voiceFallbackMethod?: string;
  voiceStatusCallbackUrl?: string;
  voiceStatusCallbackMethod?: string;
  sipRegistration?: boolean;
  secure?: boolean;
  emergencyCallingEnabled?: boolean;
  emergencyCallerSid?: string;
}
export interface SipDomainOutputs extends SipDomainInputs {
  sid: string;
}

/** Every input (SIP_DOMAIN's rules: one per schema input), as the SDK names the domain's fields. */
const FIELDS = Object.keys(SIP_DOMAIN.rules) as (keyof typeof SIP_DOMAIN.rules)[];
/** Fields sent on create and update besides DomainName. */
const SETTINGS = FIELDS.filter((f) => f !== 'domainName');

const toInputs = (d: DomainInstance): SipDomainInputs => compact(Object.fromEntries(FIELDS.map((f) => [f, d[f]]))) as SipDomainInputs;

const toOutputs = (d: DomainInstance): SipDomainOutputs => ({ sid: d.sid, ...toInputs(d) });

/** Twilio treats domain names case-insensitively (they are DNS names). */
const sameName = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/**
 * SIP Domain, /2010-04-01/Accounts/{AC}/SIP/Domains. Id: SD...
 * - create: POST Domains.json. Twilio error 21232 ("Invalid Domain: ... invalid, already in use
 *   or a subdomain of a domain you do not control"; the name was validated first) leads to
 *   GET Domains.json for a domain of this name in the account: found, it is adopted and POST
 *   Domains/{SD}.json applies the settings; not found (another account has it), 21232 is reported.
 * - read: GET Domains/{SD}.json; 404 reports it gone.
 * - update: POST Domains/{SD}.json with the settings given, and DomainName when it changed: a
 *   rename keeps the domain (and every phone's registration) instead of replacing it.
 * - delete: DELETE Domains/{SD}.json (404 counts as done).
 */
export const sipDomain: ResourceType<SipDomainInputs, SipDomainOutputs> = {
  token: TWILIO_TYPES.sipDomain,
  idParts: ['SD'],
  identity: (p, id) => (p?.domainName ? `"${p.domainName}"` : id ?? ''),

  check: (_olds, news) => checkResource(news, SIP_DOMAIN),

  diff: (olds, news) => diffFields(olds, news, FIELDS, [], { domainName: sameName }),

  async create(ctx, inputs) {
    const { client, retry } = ctx;
    const name = inputs.domainName;
    const settings = pickDefined(inputs, SETTINGS);
    const { object, adopted } = await createOrAdopt(
      {
        create: () => client.sip.domains.create({ domainName: name, ...settings }),
        exists: conflictWith([21232]),
        find: async () => (await client.sip.domains.list({ pageSize: 1000 })).find((d) => sameName(d.domainName) === sameName(name)),
      },
      retry,
    );
    if (!adopted) return { id: object.sid, outputs: toOutputs(object) };
    ctx.log('warning', `adopted the existing SIP domain ${object.sid} (${object.domainName}) of account ${ctx.accountSid}`);
    const updated = Object.keys(settings).length ? await withRetry(() => client.sip.domains(object.sid).update(settings), retry) : object;
    return { id: updated.sid, outputs: toOutputs(updated) };
  },

  async read(ctx, id) {
    const domain = await withRetry(() => ctx.client.sip.domains(id).fetch(), ctx.retry).catch(goneAs404);
    if (!domain) return undefined;
    return { id, outputs: toOutputs(domain), inputs: toInputs(domain) };
  },

  async update(ctx, id, olds, news) {
    const renamed = sameName(olds.domainName) !== sameName(news.domainName);
    const params = { ...pickDefined(news, SETTINGS), ...(renamed ? { domainName: news.domainName } : {}) };
    const domain = await withRetry(
      () => (Object.keys(params).length ? ctx.client.sip.domains(id).update(params) : ctx.client.sip.domains(id).fetch()),
      ctx.retry,
    );
    return toOutputs(domain);
  },

  async delete(ctx, id) {
    await ignoreNotFound(() => withRetry(() => ctx.client.sip.domains(id).remove(), ctx.retry));
  },
};

