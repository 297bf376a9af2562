import type { Twilio } from 'twilio';
import { TWILIO_TYPES } from '../../twilio/types';
import { checkResource, CREDENTIAL_LIST_MAPPING } from '../../twilio/validate';
import { conflictWith, diffFields, goneAs404, type ResourceType } from '../common';
import { createOrAdopt, ignoreNotFound, withRetry } from '../retry';

export interface MappingInputs extends Record<string, unknown> {
  domainSid: string;
  credentialListSid: string;
}

const FIELDS = CREDENTIAL_LIST_MAPPING.required;

type AuthType = 'calls' | 'registrations';

// Both mapping kinds have the same API shape under .../Auth/{Calls|Registrations}/; this is the
// part of it the provider uses.
interface MappingApi {
  (sid: string): { fetch(): Promise<{ sid: string }>; remove(): Promise<boolean> };
  create(params: { credentialListSid: string }): Promise<{ sid: string }>;
}

function mappingsOf(client: Twilio, domainSid: string, auth: AuthType): MappingApi {
  const authTypes = client.sip.domains(domainSid).auth;
  return auth === 'calls' ? authTypes.calls.credentialListMappings : authTypes.registrations.credentialListMappings;
}

/**
 * Credential list mapping, /2010-04-01/Accounts/{AC}/SIP/Domains/{SD}/Auth/{Calls|Registrations}/CredentialListMappings.
 * Id: SD.../CL... (Twilio uses the list's sid as the mapping's sid).
 * - create: POST CredentialListMappings.json CredentialListSid=CL... A 400 or 409 (Twilio
 *   documents no specific code for "already mapped") leads to one GET CredentialListMappings/{CL}.json:
 *   found, the mapping is adopted; not found, the 400 is reported.
 * - read: GET CredentialListMappings/{CL}.json; 404 (mapping or domain deleted) reports it gone.
 * - update: none; Twilio cannot change a mapping, so every change replaces it.
 * - delete: DELETE CredentialListMappings/{CL}.json (404 counts as done).
 */
function mapping(token: string, auth: AuthType): ResourceType<MappingInputs, MappingInputs> {
  const name = token.split(':').pop();
  return {
    token,
    // The domain's sid and the list's (which Twilio uses as the mapping's sid).
    idParts: ['SD', 'CL'],
    identity: (p, id) => (p?.domainSid && p.credentialListSid ? `${p.credentialListSid} on ${p.domainSid}` : id ?? ''),

    check: (_olds, news) => checkResource(news, CREDENTIAL_LIST_MAPPING),

    diff: (olds, news) => diffFields(olds, news, [], FIELDS),

    async create(ctx, inputs) {
      const { domainSid, credentialListSid } = inputs;
      const mappings = mappingsOf(ctx.client, domainSid, auth);
      const { adopted } = await createOrAdopt(
        {
          create: () => mappings.create({ credentialListSid }),
          exists: conflictWith('any'),
          find: () => mappings(credentialListSid).fetch().catch(goneAs404),
        },
        ctx.retry,
      );
      if (adopted) ctx.log('warning', `adopted the existing ${auth} mapping of ${credentialListSid} on ${domainSid}`);
      return { id: `${domainSid}/${credentialListSid}`, outputs: { domainSid, credentialListSid } };
    },

    async read(ctx, id) {
      const [domainSid, credentialListSid] = id.split('/');
      const found = await withRetry(() => mappingsOf(ctx.client, domainSid, auth)(credentialListSid).fetch(), ctx.retry).catch(goneAs404);
      if (!found) return undefined;
      const props = { domainSid, credentialListSid: found.sid };
      return { id, outputs: props, inputs: props };
    },

    async update(_ctx, id) {
      // diff reports every change as a replacement, so the engine never calls this.
      throw new Error(`${name} ${id} cannot be updated in place; Twilio mappings are replace-only`);
    },

    async delete(ctx, id) {
      const [domainSid, credentialListSid] = id.split('/');
      await ignoreNotFound(() => withRetry(() => mappingsOf(ctx.client, domainSid, auth)(credentialListSid).remove(), ctx.retry));
    },
  };
}

/** Lets phones whose credentials are in the list REGISTER to the domain. */
export const registrationMapping = mapping(TWILIO_TYPES.registrationMapping, 'registrations');
/** Lets phones whose credentials are in the list place calls (INVITE) through the domain. */
export const callMapping = mapping(TWILIO_TYPES.callMapping, 'calls');
