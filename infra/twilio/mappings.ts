import * as pulumi from '@pulumi/pulumi';
import type { Twilio } from 'twilio';
import { twilioClient } from './client';
import { diffFields, ignoreNotFound, withDefaults } from './common';
import { explain, isNotFound } from './errors';
import { createOrAdopt, withRetry } from './retry';
import { assertValid, checkFields, FieldRule, validateSid } from './validate';

export interface CredentialListMappingArgs {
  /** SD... sid of the domain. A change replaces the mapping. */
  domainSid: pulumi.Input<string>;
  /** CL... sid of the credential list. A change replaces the mapping. */
  credentialListSid: pulumi.Input<string>;
}
export type CredentialListMappingInputs = pulumi.Unwrap<CredentialListMappingArgs>;
export interface CredentialListMappingOutputs extends CredentialListMappingInputs {
  /** Twilio uses the credential list's sid as the mapping's sid. */
  sid: string;
}

export const mappingRules: Record<string, FieldRule> = {
  domainSid: (v, f) => validateSid(v, 'SD', f),
  credentialListSid: (v, f) => validateSid(v, 'CL', f),
};
const REQUIRED = ['domainSid', 'credentialListSid'];

type AuthType = 'calls' | 'registrations';

// Both mapping kinds have the same API shape under .../Auth/{Calls|Registrations}/; this is
// the part of it the provider uses.
interface MappingApi {
  (sid: string): { fetch(): Promise<{ sid: string }>; remove(): Promise<boolean> };
  list(): Promise<{ sid: string }[]>;
  create(params: { credentialListSid: string }): Promise<{ sid: string }>;
}

function mappingsOf(client: Twilio, domainSid: string, auth: AuthType): MappingApi {
  const authTypes = client.sip.domains(domainSid).auth;
  return auth === 'calls' ? authTypes.calls.credentialListMappings : authTypes.registrations.credentialListMappings;
}

/**
 * Credential list mapping, /2010-04-01/Accounts/{AC}/SIP/Domains/{SD}/Auth/{Calls|Registrations}/CredentialListMappings.
 * - create: GET CredentialListMappings.json (all pages) for this list's sid; found, it is
 *   adopted; else POST CredentialListMappings.json CredentialListSid=CL...
 * - read: GET CredentialListMappings/{CL}.json; 404 (mapping or domain deleted) reports it gone.
 * - update: none; Twilio cannot change a mapping, so every change replaces it.
 * - delete: DELETE CredentialListMappings/{CL}.json (404 counts as done).
 */
function mappingProvider(
  kind: string,
  auth: AuthType,
): pulumi.dynamic.ResourceProvider<CredentialListMappingInputs, CredentialListMappingOutputs> {
  const label = (p: Partial<CredentialListMappingInputs> | undefined, id: string) =>
    p?.domainSid && p.credentialListSid ? `${p.credentialListSid} on ${p.domainSid}` : id;
  return {
    async check(_olds, news) {
      return { inputs: news, failures: checkFields(news, mappingRules, REQUIRED) };
    },

    async diff(_id, olds, news) {
      return diffFields(olds, news, [], ['domainSid', 'credentialListSid']);
    },

    async create(inputs) {
      assertValid(kind, label(inputs, ''), checkFields(inputs, mappingRules, REQUIRED));
      const { domainSid, credentialListSid } = inputs;
      const mappings = mappingsOf(twilioClient(), domainSid, auth);
      const { object } = await explain(kind, label(inputs, ''), () =>
        createOrAdopt(
          async () => (await mappings.list()).find((m) => m.sid === credentialListSid),
          () => mappings.create({ credentialListSid }),
        ),
      );
      return { id: object.sid, outs: { sid: object.sid, domainSid, credentialListSid } };
    },

    async read(id, props) {
      if (!props?.domainSid) throw new Error(`${kind} ${id}: state has no domainSid, cannot read it`);
      const mappings = mappingsOf(twilioClient(), props.domainSid, auth);
      try {
        const m = await explain(kind, label(props, id), () => withRetry(() => mappings(id).fetch()));
        return { id, props: { sid: m.sid, domainSid: props.domainSid, credentialListSid: m.sid } };
      } catch (err) {
        if (isNotFound(err)) return {};
        throw err;
      }
    },

    async update(id) {
      // diff reports every change as a replacement, so the engine never calls this.
      throw new Error(`${kind} ${id} cannot be updated in place; Twilio mappings are replace-only`);
    },

    async delete(id, props) {
      const mappings = mappingsOf(twilioClient(), props.domainSid, auth);
      await explain(kind, label(props, id), () => withRetry(() => mappings(id).remove()).then(() => undefined, ignoreNotFound));
    },
  };
}

export const registrationCredentialListMappingProvider = mappingProvider('RegistrationCredentialListMapping', 'registrations');
export const callCredentialListMappingProvider = mappingProvider('CallCredentialListMapping', 'calls');

/** Lets phones whose credentials are in the list REGISTER to the domain. */
export class RegistrationCredentialListMapping extends pulumi.dynamic.Resource {
  declare readonly sid: pulumi.Output<string>;
  declare readonly domainSid: pulumi.Output<string>;
  declare readonly credentialListSid: pulumi.Output<string>;

  constructor(name: string, args: CredentialListMappingArgs, opts?: pulumi.CustomResourceOptions) {
    assertValid('RegistrationCredentialListMapping', name, checkFields(args, mappingRules, REQUIRED));
    super(registrationCredentialListMappingProvider, name, { sid: undefined, ...args }, withDefaults(opts), 'twilio', 'RegistrationCredentialListMapping');
  }
}

/** Lets phones whose credentials are in the list place calls (INVITE) through the domain. */
export class CallCredentialListMapping extends pulumi.dynamic.Resource {
  declare readonly sid: pulumi.Output<string>;
  declare readonly domainSid: pulumi.Output<string>;
  declare readonly credentialListSid: pulumi.Output<string>;

  constructor(name: string, args: CredentialListMappingArgs, opts?: pulumi.CustomResourceOptions) {
    assertValid('CallCredentialListMapping', name, checkFields(args, mappingRules, REQUIRED));
    super(callCredentialListMappingProvider, name, { sid: undefined, ...args }, withDefaults(opts), 'twilio', 'CallCredentialListMapping');
  }
}
