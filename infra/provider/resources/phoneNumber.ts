import type { IncomingPhoneNumberInstance } from 'twilio/lib/rest/api/v2010/account/incomingPhoneNumber';
import { TWILIO_TYPES } from '../../twilio/types';
import { checkResource, PHONE_NUMBER } from '../../twilio/validate';
import { compact, diffFields, goneAs404, pickDefined, type ResourceType } from '../common';
import { PartialFailure, TwilioFailure } from '../errors';
import { ignoreNotFound, isTransient, withRetry } from '../retry';

/** The voice settings sipline may manage on a number (every input but the number); "" is Twilio's "not set". */
type Setting = Exclude<keyof typeof PHONE_NUMBER.rules, 'phoneNumber'>;
const SETTINGS = Object.keys(PHONE_NUMBER.rules).filter((k): k is Setting => k !== 'phoneNumber');
type VoiceSettings = Partial<Record<Setting, string>>;

export interface PhoneNumberInputs extends Record<string, unknown>, VoiceSettings {
  phoneNumber: string;
  voiceUrl: string;
}
export interface PhoneNumberOutputs extends PhoneNumberInputs {
  /** PN... sid of the number. */
  sid: string;
  /** Set in the console, either makes Twilio ignore voiceUrl: reported so drift shows it. */
  voiceApplicationSid?: string;
  trunkSid?: string;
  /** The value each setting sipline manages had before sipline set it; restored on delete. */
  previous: VoiceSettings;
}


type NumberFields = Pick<IncomingPhoneNumberInstance, 'sid' | 'phoneNumber' | 'voiceApplicationSid' | 'trunkSid' | Setting>;

/** The live values of `fields` ("" for one not set). */
function settingsOf(n: NumberFields, fields: readonly Setting[]): VoiceSettings {
  return Object.fromEntries(fields.map((f) => [f, n[f] ?? '']));
}

/** The settings an input object manages: those it gives. */
const managed = (inputs: VoiceSettings): Setting[] => SETTINGS.filter((s) => inputs[s] !== undefined);

/**
 * Twilio ignores VoiceUrl while VoiceApplicationSid or TrunkSid is set. Detaching them
 * silently would break whatever the console set up, and setting voiceUrl anyway would report
 * success for a webhook Twilio never asks: stop and say which sid takes precedence.
 */
function assertRoutedByVoiceUrl(number: string, n: NumberFields): void {
  if (n.voiceApplicationSid || n.trunkSid) {
    throw new TwilioFailure(
      `Phone number ${number} (${n.sid}) is routed by ${n.voiceApplicationSid ? `VoiceApplicationSid ${n.voiceApplicationSid}` : `TrunkSid ${n.trunkSid}`}, ` +
        'so Twilio would ignore voiceUrl; detach it in the Twilio console first',
    );
  }
}

/**
 * A POST that failed with a 5xx or a dropped connection (after its retries) may have changed the
 * number all the same: the engine must keep `previous`, or the next `pulumi up` would record
 * sipline's own values as the ones to restore (a PartialFailure, errors.ts). The outputs are the
 * number as last read; the next update sets the settings again.
 */
const mayHaveApplied =
  (before: NumberFields, previous: VoiceSettings) =>
  (err: unknown): never => {
    if (!isTransient(err)) throw err;
    throw new PartialFailure('the number may have changed all the same: the state keeps the settings it had before, which pulumi destroy restores, and pulumi up sets the new ones again', before.sid, toOutputs(before, previous), err);
  };

function toOutputs(n: NumberFields, previous: VoiceSettings): PhoneNumberOutputs {
  return {
    ...compact({
      sid: n.sid,
      phoneNumber: n.phoneNumber,
      ...settingsOf(n, SETTINGS),
      voiceApplicationSid: n.voiceApplicationSid,
      trunkSid: n.trunkSid,
    }),
    previous,
  } as PhoneNumberOutputs;
}

/**
 * Voice settings of an owned number, /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers. Id: PN...
 * Never buys (POST IncomingPhoneNumbers.json) nor releases (DELETE .../{PN}.json) a number.
 * - create: GET IncomingPhoneNumbers.json?PhoneNumber=+1... (the filter also matches partial
 *   numbers, so the result is checked for an exact match); not owned is an error naming the
 *   number. Records the current value of each setting it is given as `previous`, then
 *   POST IncomingPhoneNumbers/{PN}.json with those settings.
 * - read: GET IncomingPhoneNumbers/{PN}.json; 404 (released) reports it gone. An import
 *   records the settings it finds as `previous`, so destroy leaves the number as imported.
 * - update: GET IncomingPhoneNumbers/{PN}.json (the routing check, and `previous` for a setting
 *   managed from now on), then POST IncomingPhoneNumbers/{PN}.json with the settings given.
 * - delete: POST IncomingPhoneNumbers/{PN}.json with `previous`: only the settings sipline set
 *   (404 counts as done).
 * - diff: phoneNumber replaces; the settings update in place. A VoiceApplicationSid or TrunkSid
 *   that `read` found (pulumi refresh) is a change too, one that takes it away, so the update
 *   runs and fails naming it; otherwise `pulumi up` would find nothing to do and report success
 *   for a voiceUrl Twilio ignores.
 */
export const phoneNumber: ResourceType<PhoneNumberInputs, PhoneNumberOutputs> = {
  token: TWILIO_TYPES.phoneNumber,
  idParts: ['PN'],
  identity: (p, id) => p?.phoneNumber ?? id ?? '',

  check: (_olds, news) => checkResource(news, PHONE_NUMBER),

  diff(olds, news) {
    const diff = diffFields(olds, news, SETTINGS, ['phoneNumber']);
    // Only `read` records these (create and update refuse a number that has one): a refresh
    // saw one attached in the console. A replacement (new phoneNumber) needs no more. Listed
    // even beside other changes: ignoreChanges may leave them the only ones.
    const routed = ['voiceApplicationSid', 'trunkSid'].filter((k) => olds[k]);
    if (diff.replaces.length || !routed.length) return diff;
    return { ...diff, changes: true, diffs: [...diff.diffs, ...routed], removes: routed };
  },

  async create(ctx, inputs) {
    const number = inputs.phoneNumber;
    const { client, retry } = ctx;
    const found = (await withRetry(() => client.incomingPhoneNumbers.list({ phoneNumber: number }), retry)).find((n) => n.phoneNumber === number);
    if (!found) {
      throw new TwilioFailure(
        `Phone number ${number} is not owned by Twilio account ${ctx.accountSid}. ` +
          'PhoneNumberVoiceConfig only configures numbers the account already has (it never buys one): buy or port it first, or fix phoneNumber',
      );
    }
    assertRoutedByVoiceUrl(number, found);
    const previous = settingsOf(found, managed(inputs));
    const updated = await withRetry(() => client.incomingPhoneNumbers(found.sid).update(pickDefined(inputs, SETTINGS)), retry).catch(mayHaveApplied(found, previous));
    return { id: updated.sid, outputs: toOutputs(updated, previous) };
  },

  async read(ctx, id, state) {
    const n = await withRetry(() => ctx.client.incomingPhoneNumbers(id).fetch(), ctx.retry).catch(goneAs404);
    if (!n) return undefined;
    if (state) return { id, outputs: toOutputs(n, state.previous ?? {}) };
    // An import: the number as it is now is what sipline manages, and what destroy leaves.
    const inputs = compact({ phoneNumber: n.phoneNumber, ...settingsOf(n, SETTINGS) }) as PhoneNumberInputs;
    return { id, outputs: toOutputs(n, settingsOf(n, managed(inputs))), inputs };
  },

  async update(ctx, id, olds, news) {
    const { client, retry } = ctx;
    // The state may be older than a console edit: check the live number, as create does.
    const live = await withRetry(() => client.incomingPhoneNumbers(id).fetch(), retry);
    assertRoutedByVoiceUrl(news.phoneNumber, live);
    const recorded = olds.previous ?? {};
    const newlyManaged = managed(news).filter((s) => !(s in recorded));
    const previous = { ...recorded, ...settingsOf(live, newlyManaged) };
    const updated = await withRetry(() => client.incomingPhoneNumbers(id).update(pickDefined(news, SETTINGS)), retry).catch(mayHaveApplied(live, previous));
    return toOutputs(updated, previous);
  },

  async delete(ctx, id, state) {
    const previous = state.previous ?? {};
    // Empty URLs are sent on purpose: that is how Twilio clears one. An empty method is not
    // (Twilio rejects it): the method then stays as it is.
    const restore = Object.fromEntries(Object.entries(previous).filter(([k, v]) => v !== '' || !k.endsWith('Method')));
    if (Object.keys(restore).length === 0) return; // Nothing recorded: leave the number as it is.
    await ignoreNotFound(() => withRetry(() => ctx.client.incomingPhoneNumbers(id).update(restore), ctx.retry));
  },
};
