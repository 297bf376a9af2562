import * as pulumi from '@pulumi/pulumi';
import type { CredentialListInstance } from 'twilio/lib/rest/api/v2010/account/sip/credentialList';
import type { CredentialInstance } from 'twilio/lib/rest/api/v2010/account/sip/credentialList/credential';
import { twilioClient } from './client';
import { diffFields, ignoreNotFound, withDefaults } from './common';
import { explain, isNotFound, TwilioResourceError } from './errors';
import { createOrAdopt, withRetry } from './retry';
import { assertValid, checkFields, FieldRule, validateFriendlyName, validatePassword, validateSid, validateUsername } from './validate';

// ---------------------------------------------------------------- CredentialList

export interface CredentialListArgs {
  /** Adoption key: keep it unique within the account (prefix it with the stack name). */
  friendlyName: pulumi.Input<string>;
}
export type CredentialListInputs = pulumi.Unwrap<CredentialListArgs>;
export interface CredentialListOutputs extends CredentialListInputs {
  sid: string;
}

export const credentialListRules: Record<string, FieldRule> = {
  friendlyName: (v, f) => validateFriendlyName(v, f, true),
};

const listOutputs = (l: CredentialListInstance): CredentialListOutputs => ({ sid: l.sid, friendlyName: l.friendlyName });

/**
 * SIP CredentialList, /2010-04-01/Accounts/{AC}/SIP/CredentialLists.
 * - create: GET CredentialLists.json (all pages) for a list with this FriendlyName; one found
 *   is adopted, two or more is an error (which one would be ours?); else POST CredentialLists.json.
 * - read: GET CredentialLists/{CL}.json; 404 reports it gone.
 * - update: POST CredentialLists/{CL}.json FriendlyName=...
 * - delete: DELETE CredentialLists/{CL}.json (404 counts as done).
 * - diff: friendlyName updates in place.
 */
export const credentialListProvider: pulumi.dynamic.ResourceProvider<CredentialListInputs, CredentialListOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkFields(news, credentialListRules, ['friendlyName']) };
  },

  async diff(_id, olds, news) {
    return diffFields(olds, news, ['friendlyName'], []);
  },

  async create(inputs) {
    const name = inputs.friendlyName;
    assertValid('CredentialList', name, checkFields(inputs, credentialListRules, ['friendlyName']));
    const client = twilioClient();
    const { object } = await explain('CredentialList', name, () =>
      createOrAdopt(
        async () => {
          const matches = (await client.sip.credentialLists.list()).filter((l) => l.friendlyName === name);
          if (matches.length > 1) {
            throw new TwilioResourceError(
              `Twilio account has ${matches.length} credential lists named "${name}" (${matches.map((l) => l.sid).join(', ')}); ` +
                'delete the extra ones or choose another friendlyName, so that the list to adopt is unambiguous',
            );
          }
          return matches[0];
        },
        () => client.sip.credentialLists.create({ friendlyName: name }),
      ),
    );
    return { id: object.sid, outs: listOutputs(object) };
  },

  async read(id, props) {
    const client = twilioClient();
    try {
      const list = await explain('CredentialList', props?.friendlyName ?? id, () => withRetry(() => client.sip.credentialLists(id).fetch()));
      return { id, props: listOutputs(list) };
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  },

  async update(id, _olds, news) {
    const name = news.friendlyName;
    assertValid('CredentialList', name, checkFields(news, credentialListRules, ['friendlyName']));
    const client = twilioClient();
    const list = await explain('CredentialList', name, () => withRetry(() => client.sip.credentialLists(id).update({ friendlyName: name })));
    return { outs: listOutputs(list) };
  },

  async delete(id, props) {
    const client = twilioClient();
    await explain('CredentialList', props.friendlyName ?? id, () =>
      withRetry(() => client.sip.credentialLists(id).remove()).then(() => undefined, ignoreNotFound),
    );
  },
};

/** A list of SIP credentials (usernames and passwords) that domains authenticate against. */
export class CredentialList extends pulumi.dynamic.Resource {
  declare readonly sid: pulumi.Output<string>;
  declare readonly friendlyName: pulumi.Output<string>;

  constructor(name: string, args: CredentialListArgs, opts?: pulumi.CustomResourceOptions) {
    assertValid('CredentialList', name, checkFields(args, credentialListRules, ['friendlyName']));
    super(credentialListProvider, name, { sid: undefined, ...args }, withDefaults(opts), 'twilio', 'CredentialList');
  }
}

// ---------------------------------------------------------------- Credential

export interface CredentialArgs {
  /** CL... sid. A change replaces the credential. */
  credentialListSid: pulumi.Input<string>;
  /** Up to 32 characters, unique in the list. A change replaces the credential. */
  username: pulumi.Input<string>;
  /** Pass a pulumi secret; it is stored as a secret output either way. Updates in place. */
  password: pulumi.Input<string>;
}
export type CredentialInputs = pulumi.Unwrap<CredentialArgs>;
export interface CredentialOutputs extends CredentialInputs {
  sid: string;
}

export const credentialRules: Record<string, FieldRule> = {
  credentialListSid: (v, f) => validateSid(v, 'CL', f),
  username: validateUsername,
  password: validatePassword,
};
const CREDENTIAL_REQUIRED = ['credentialListSid', 'username', 'password'];

// Twilio never returns a password (it stores a hash), so the output is the last value this
// provider applied: `read` carries it over from state and `diff` compares against it.
const credentialOutputs = (c: CredentialInstance, password: string): CredentialOutputs => ({
  sid: c.sid,
  credentialListSid: c.credentialListSid,
  username: c.username,
  password,
});

const credentialLabel = (inputs: Partial<CredentialInputs> | undefined, id: string) =>
  inputs?.username && inputs.credentialListSid ? `${inputs.username}" in list "${inputs.credentialListSid}` : id;

/**
 * SIP Credential, /2010-04-01/Accounts/{AC}/SIP/CredentialLists/{CL}/Credentials.
 * - create: GET Credentials.json (all pages) for this Username; found, it is adopted and its
 *   password set with POST Credentials/{CR}.json Password=...; else POST Credentials.json.
 * - read: GET Credentials/{CR}.json; 404 reports it gone; the password comes from state.
 * - update: POST Credentials/{CR}.json Password=... (the only field Twilio updates).
 * - delete: DELETE Credentials/{CR}.json (404 counts as done).
 * - diff: credentialListSid and username replace (delete first: the username must be free
 *   in the list); password updates in place, compared with the last applied value.
 */
export const credentialProvider: pulumi.dynamic.ResourceProvider<CredentialInputs, CredentialOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkFields(news, credentialRules, CREDENTIAL_REQUIRED) };
  },

  async diff(_id, olds, news) {
    return diffFields(olds, news, ['password'], ['credentialListSid', 'username']);
  },

  async create(inputs) {
    const label = credentialLabel(inputs, '');
    assertValid('Credential', label, checkFields(inputs, credentialRules, CREDENTIAL_REQUIRED));
    const { credentialListSid, username, password } = inputs;
    const client = twilioClient();
    const credentials = client.sip.credentialLists(credentialListSid).credentials;
    const credential = await explain('Credential', label, async () => {
      const { object, adopted } = await createOrAdopt(
        async () => (await credentials.list()).find((c) => c.username === username),
        () => credentials.create({ username, password }),
      );
      // An adopted credential's password is unknown: set it, so state tells the truth.
      return adopted ? withRetry(() => credentials(object.sid).update({ password })) : object;
    });
    return { id: credential.sid, outs: credentialOutputs(credential, password) };
  },

  async read(id, props) {
    if (!props?.credentialListSid) throw new Error(`Credential ${id}: state has no credentialListSid, cannot read it`);
    const client = twilioClient();
    try {
      const credential = await explain('Credential', credentialLabel(props, id), () =>
        withRetry(() => client.sip.credentialLists(props.credentialListSid).credentials(id).fetch()),
      );
      return { id, props: credentialOutputs(credential, props.password) };
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  },

  async update(id, _olds, news) {
    const label = credentialLabel(news, id);
    assertValid('Credential', label, checkFields(news, credentialRules, CREDENTIAL_REQUIRED));
    const client = twilioClient();
    const credential = await explain('Credential', label, () =>
      withRetry(() => client.sip.credentialLists(news.credentialListSid).credentials(id).update({ password: news.password })),
    );
    return { outs: credentialOutputs(credential, news.password) };
  },

  async delete(id, props) {
    const client = twilioClient();
    await explain('Credential', credentialLabel(props, id), () =>
      withRetry(() => client.sip.credentialLists(props.credentialListSid).credentials(id).remove()).then(() => undefined, ignoreNotFound),
    );
  },
};

/** One SIP username/password in a CredentialList. */
export class Credential extends pulumi.dynamic.Resource {
  declare readonly sid: pulumi.Output<string>;
  declare readonly username: pulumi.Output<string>;
  declare readonly credentialListSid: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;

  constructor(name: string, args: CredentialArgs, opts?: pulumi.CustomResourceOptions) {
    assertValid('Credential', name, checkFields(args, credentialRules, CREDENTIAL_REQUIRED));
    // Secret as an input too: state keeps inputs as well as outputs, and
    // additionalSecretOutputs only covers the latter.
    const props = { sid: undefined, ...args, password: pulumi.secret(args.password) };
    super(credentialProvider, name, props, withDefaults(opts, ['password']), 'twilio', 'Credential');
  }
}
