import type { CredentialListInstance } from 'twilio/lib/rest/api/v2010/account/sip/credentialList';
import type { CredentialInstance } from 'twilio/lib/rest/api/v2010/account/sip/credentialList/credential';
import { TWILIO_TYPES } from '../../twilio/types';
import { checkResource, CREDENTIAL, CREDENTIAL_LIST } from '../../twilio/validate';
import { conflictWith, diffFields, goneAs404, type ResourceType } from '../common';
import { TwilioFailure } from '../errors';
import { createOrAdopt, ignoreNotFound, withRetry } from '../retry';

// ---------------------------------------------------------------- CredentialList

export interface CredentialListInputs extends Record<string, unknown> {
  friendlyName: string;
}
export interface CredentialListOutputs extends CredentialListInputs {
  sid: string;
}

const listOutputs = (l: CredentialListInstance): CredentialListOutputs => ({ sid: l.sid, friendlyName: l.friendlyName });

/**
 * SIP CredentialList, /2010-04-01/Accounts/{AC}/SIP/CredentialLists. Id: CL...
 * - create: POST CredentialLists.json. Twilio error 21240 ("Credential List Validation Error":
 *   a list with the same FriendlyName may already exist) leads to GET CredentialLists.json for
 *   a list of that name: one is adopted, two or more is an error (which one would be ours?).
 * - read: GET CredentialLists/{CL}.json; 404 reports it gone.
 * - update: POST CredentialLists/{CL}.json FriendlyName=...
 * - delete: DELETE CredentialLists/{CL}.json (404 counts as done).
 */
export const credentialList: ResourceType<CredentialListInputs, CredentialListOutputs> = {
  token: TWILIO_TYPES.credentialList,
  idParts: ['CL'],
  identity: (p, id) => (p?.friendlyName ? `"${p.friendlyName}"` : id ?? ''),

  check: (_olds, news) => checkResource(news, CREDENTIAL_LIST),

  diff: (olds, news) => diffFields(olds, news, ['friendlyName'], []),

  async create(ctx, inputs) {
    const name = inputs.friendlyName;
    const { client, retry } = ctx;
    const { object, adopted } = await createOrAdopt(
      {
        create: () => client.sip.credentialLists.create({ friendlyName: name }),
        exists: conflictWith([21240]),
        find: async () => {
          const matches = (await client.sip.credentialLists.list({ pageSize: 1000 })).filter((l) => l.friendlyName === name);
          if (matches.length > 1) {
            throw new TwilioFailure(
              `Twilio account ${ctx.accountSid} has ${matches.length} credential lists named "${name}" (${matches.map((l) => l.sid).join(', ')}); ` +
                'delete the extra ones or choose another friendlyName, so that the list to adopt is unambiguous',
            );
          }
          return matches[0];
        },
      },
      retry,
    );
    if (adopted) ctx.log('warning', `adopted the existing credential list ${object.sid} ("${name}") of account ${ctx.accountSid}`);
    return { id: object.sid, outputs: listOutputs(object) };
  },

  async read(ctx, id) {
    const list = await withRetry(() => ctx.client.sip.credentialLists(id).fetch(), ctx.retry).catch(goneAs404);
    return list && { id, outputs: listOutputs(list), inputs: { friendlyName: list.friendlyName } };
  },

  async update(ctx, id, _olds, news) {
    const list = await withRetry(() => ctx.client.sip.credentialLists(id).update({ friendlyName: news.friendlyName }), ctx.retry);
    return listOutputs(list);
  },

  async delete(ctx, id) {
    await ignoreNotFound(() => withRetry(() => ctx.client.sip.credentialLists(id).remove(), ctx.retry));
  },
};

// ---------------------------------------------------------------- Credential

export interface CredentialInputs extends Record<string, unknown> {
  credentialListSid: string;
  username: string;
  /** Absent only for an imported credential whose password sipline has not set yet. */
  password: string;
}
export interface CredentialOutputs extends CredentialInputs {
  /** CR... sid of the credential. */
  sid: string;
}

const IDENTITY = ['credentialListSid', 'username'];

// Twilio never returns a password (it stores a digest), so the output is the last value this
// provider applied: `read` carries it over from state and `diff` compares against it.
function credentialOutputs(c: CredentialInstance, password: string | undefined): CredentialOutputs {
  return { sid: c.sid, credentialListSid: c.credentialListSid, username: c.username, ...(password === undefined ? {} : { password }) } as CredentialOutputs;
}

/**
 * SIP Credential, /2010-04-01/Accounts/{AC}/SIP/CredentialLists/{CL}/Credentials. Id: CL.../CR...
 * (the list is part of the id so that `pulumi import` can read it from the id alone).
 * - create: POST Credentials.json Username=...&Password=... Twilio error 21243 ("Credential
 *   Validation Error"; username and password were validated first, so the username is taken)
 *   leads to GET Credentials.json for that username: found, it is adopted and its password
 *   set with POST Credentials/{CR}.json. Creating N credentials costs N requests.
 * - read: GET Credentials/{CR}.json; 404 reports it gone; the password comes from state.
 * - update: POST Credentials/{CR}.json Password=... (the only field Twilio updates).
 * - delete: DELETE Credentials/{CR}.json (404 counts as done).
 * - diff: credentialListSid and username replace (delete first: the username must be free in
 *   the list); password updates in place, compared with the last applied value.
 */
export const credential: ResourceType<CredentialInputs, CredentialOutputs> = {
  token: TWILIO_TYPES.credential,
  // The list's sid and the credential's: what `pulumi import` needs to read it.
  idParts: ['CL', 'CR'],
  identity: (p, id) => (p?.username && p.credentialListSid ? `"${p.username}" in ${p.credentialListSid}` : id ?? ''),

  check(olds, news) {
    // An imported credential has no known password (Twilio never returns one): the import's
    // own check sees the same list and username in olds and news, neither with a password.
    const imported = news.password === undefined && olds.password === undefined && IDENTITY.every((k) => olds[k] !== undefined && olds[k] === news[k]);
    return checkResource(news, CREDENTIAL, imported ? IDENTITY : CREDENTIAL.required);
  },

  diff: (olds, news) => diffFields(olds, news, ['password'], IDENTITY),

  async create(ctx, inputs) {
    const { credentialListSid, username, password } = inputs;
    const { client, retry } = ctx;
    const credentials = client.sip.credentialLists(credentialListSid).credentials;
    const { object, adopted } = await createOrAdopt(
      {
        create: () => credentials.create({ username, password }),
        exists: conflictWith([21243]),
        find: async () => (await credentials.list({ pageSize: 1000 })).find((c) => c.username === username),
      },
      retry,
    );
    if (!adopted) return { id: `${credentialListSid}/${object.sid}`, outputs: credentialOutputs(object, password) };
    // An adopted credential's password is unknown: set it, so state tells the truth.
    ctx.log('warning', `adopted the existing credential ${object.sid} ("${username}") in ${credentialListSid} and set its password`);
    const updated = await withRetry(() => credentials(object.sid).update({ password }), retry);
    return { id: `${credentialListSid}/${updated.sid}`, outputs: credentialOutputs(updated, password) };
  },

  async read(ctx, id, state) {
    const [list, sid] = id.split('/');
    const found = await withRetry(() => ctx.client.sip.credentialLists(list).credentials(sid).fetch(), ctx.retry).catch(goneAs404);
    if (!found) return undefined;
    return { id, outputs: credentialOutputs(found, state?.password), inputs: { credentialListSid: found.credentialListSid, username: found.username } };
  },

  async update(ctx, id, _olds, news) {
    const [list, sid] = id.split('/');
    const updated = await withRetry(() => ctx.client.sip.credentialLists(list).credentials(sid).update({ password: news.password }), ctx.retry);
    return credentialOutputs(updated, news.password);
  },

  async delete(ctx, id) {
    const [list, sid] = id.split('/');
    await ignoreNotFound(() => withRetry(() => ctx.client.sip.credentialLists(list).credentials(sid).remove(), ctx.retry));
  },
};
