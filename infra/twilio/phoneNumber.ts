import * as pulumi from '@pulumi/pulumi';
import type { IncomingPhoneNumberInstance } from 'twilio/lib/rest/api/v2010/account/incomingPhoneNumber';
import { accountSidFromEnv, twilioClient } from './client';
import { compact, diffFields, pickDefined, withDefaults } from './common';
import { explain, isNotFound, TwilioResourceError } from './errors';
import { withRetry } from './retry';
import { assertValid, checkFields, FieldRule, validateE164, validateHttpMethod, validateUrl } from './validate';

export interface PhoneNumberVoiceConfigArgs {
  /** E.164 number the account already owns. A change replaces (restores the old number). */
  phoneNumber: pulumi.Input<string>;
  voiceUrl: pulumi.Input<string>;
  voiceMethod?: pulumi.Input<'GET' | 'POST'>;
  voiceFallbackUrl?: pulumi.Input<string>;
  voiceFallbackMethod?: pulumi.Input<'GET' | 'POST'>;
  statusCallback?: pulumi.Input<string>;
  statusCallbackMethod?: pulumi.Input<'GET' | 'POST'>;
}
export type PhoneNumberVoiceConfigInputs = pulumi.Unwrap<PhoneNumberVoiceConfigArgs>;

/** A number's voice settings; "" means not set (that is also how Twilio is told to clear one). */
export interface VoiceSettings {
  voiceUrl: string;
  voiceMethod: string;
  voiceFallbackUrl: string;
  voiceFallbackMethod: string;
  statusCallback: string;
  statusCallbackMethod: string;
}

export interface PhoneNumberVoiceConfigOutputs extends PhoneNumberVoiceConfigInputs {
  /** PN... sid of the number. */
  sid: string;
  /** Set in the console, either makes Twilio ignore voiceUrl: reported so drift shows it. */
  voiceApplicationSid?: string;
  trunkSid?: string;
  /** The voice settings found before this resource configured the number; restored on delete. */
  previous: VoiceSettings;
}

const SETTINGS = ['voiceUrl', 'voiceMethod', 'voiceFallbackUrl', 'voiceFallbackMethod', 'statusCallback', 'statusCallbackMethod'] as const;

export const phoneNumberRules: Record<string, FieldRule> = {
  phoneNumber: validateE164,
  voiceUrl: validateUrl,
  voiceMethod: validateHttpMethod,
  voiceFallbackUrl: validateUrl,
  voiceFallbackMethod: validateHttpMethod,
  statusCallback: validateUrl,
  statusCallbackMethod: validateHttpMethod,
};
const REQUIRED = ['phoneNumber', 'voiceUrl'];

function settingsOf(n: IncomingPhoneNumberInstance): VoiceSettings {
  return {
    voiceUrl: n.voiceUrl ?? '',
    voiceMethod: n.voiceMethod ?? '',
    voiceFallbackUrl: n.voiceFallbackUrl ?? '',
    voiceFallbackMethod: n.voiceFallbackMethod ?? '',
    statusCallback: n.statusCallback ?? '',
    statusCallbackMethod: n.statusCallbackMethod ?? '',
  };
}

/**
 * Twilio ignores VoiceUrl while VoiceApplicationSid or TrunkSid is set. Detaching them
 * silently would break whatever the console set up, and setting voiceUrl anyway would report
 * success for a webhook Twilio never asks: stop and say which sid takes precedence.
 */
function assertRoutedByVoiceUrl(number: string, n: Pick<IncomingPhoneNumberInstance, 'sid' | 'voiceApplicationSid' | 'trunkSid'>): void {
  if (n.voiceApplicationSid || n.trunkSid) {
    throw new TwilioResourceError(
      `Phone number ${number} (${n.sid}) is routed by ${n.voiceApplicationSid ? `VoiceApplicationSid ${n.voiceApplicationSid}` : `TrunkSid ${n.trunkSid}`}, ` +
        'so Twilio would ignore voiceUrl; detach it in the Twilio console first',
    );
  }
}

function toOutputs(n: IncomingPhoneNumberInstance, previous: VoiceSettings): PhoneNumberVoiceConfigOutputs {
  const live = settingsOf(n);
  return compact({
    sid: n.sid,
    phoneNumber: n.phoneNumber,
    voiceUrl: live.voiceUrl,
    voiceMethod: (live.voiceMethod || undefined) as 'GET' | 'POST' | undefined,
    voiceFallbackUrl: live.voiceFallbackUrl || undefined,
    voiceFallbackMethod: (live.voiceFallbackMethod || undefined) as 'GET' | 'POST' | undefined,
    statusCallback: live.statusCallback || undefined,
    statusCallbackMethod: (live.statusCallbackMethod || undefined) as 'GET' | 'POST' | undefined,
    voiceApplicationSid: n.voiceApplicationSid || undefined,
    trunkSid: n.trunkSid || undefined,
    previous,
  });
}

/**
 * Voice settings of an owned number, /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.
 * Never buys (POST IncomingPhoneNumbers.json) nor releases (DELETE .../{PN}.json) a number.
 * - create: GET IncomingPhoneNumbers.json?PhoneNumber=+1... (the filter also matches partial
 *   numbers, so the result is checked for an exact match); not owned is an error naming the
 *   number. Records the current voice settings as `previous`, then POST IncomingPhoneNumbers/{PN}.json.
 * - read: GET IncomingPhoneNumbers/{PN}.json; 404 (released) reports it gone.
 * - update: GET IncomingPhoneNumbers/{PN}.json, then POST IncomingPhoneNumbers/{PN}.json with the
 *   settings given. Create checks VoiceApplicationSid / TrunkSid; so does update, on the live
 *   number, since either may have been attached in the console since.
 * - delete: POST IncomingPhoneNumbers/{PN}.json with `previous` (404 counts as done).
 * - diff: phoneNumber replaces; the settings update in place. A VoiceApplicationSid or TrunkSid
 *   that `read` found (pulumi refresh) is a change too, so the update runs and fails naming it;
 *   otherwise `pulumi up` would find nothing to do and report success for a voiceUrl Twilio ignores.
 */
export const phoneNumberVoiceConfigProvider: pulumi.dynamic.ResourceProvider<PhoneNumberVoiceConfigInputs, PhoneNumberVoiceConfigOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkFields(news, phoneNumberRules, REQUIRED) };
  },

  async diff(_id, olds, news) {
    const diff = diffFields(olds, news, SETTINGS, ['phoneNumber']);
    // Only `read` records these (create and update refuse a number that has one): a refresh
    // saw one attached in the console. A replacement (new phoneNumber) needs no more.
    if (!diff.changes && (olds.voiceApplicationSid || olds.trunkSid)) return { ...diff, changes: true };
    return diff;
  },

  async create(inputs) {
    const number = inputs.phoneNumber;
    assertValid('PhoneNumberVoiceConfig', number, checkFields(inputs, phoneNumberRules, REQUIRED));
    const client = twilioClient();
    const configured = await explain('PhoneNumberVoiceConfig', number, async () => {
      const found = (await withRetry(() => client.incomingPhoneNumbers.list({ phoneNumber: number }))).find((n) => n.phoneNumber === number);
      if (!found) {
        throw new TwilioResourceError(
          `Phone number ${number} is not owned by Twilio account ${accountSidFromEnv()}. ` +
            'PhoneNumberVoiceConfig only configures numbers the account already has (it never buys one): buy or port it first, or fix phoneNumber',
        );
      }
      assertRoutedByVoiceUrl(number, found);
      const previous = settingsOf(found);
      const updated = await withRetry(() => client.incomingPhoneNumbers(found.sid).update(pickDefined(inputs, SETTINGS)));
      return { updated, previous };
    });
    return { id: configured.updated.sid, outs: toOutputs(configured.updated, configured.previous) };
  },

  async read(id, props) {
    const client = twilioClient();
    try {
      const n = await explain('PhoneNumberVoiceConfig', props?.phoneNumber ?? id, () => withRetry(() => client.incomingPhoneNumbers(id).fetch()));
      return { id, props: toOutputs(n, props?.previous ?? settingsOf(n)) };
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  },

  async update(id, olds, news) {
    assertValid('PhoneNumberVoiceConfig', news.phoneNumber, checkFields(news, phoneNumberRules, REQUIRED));
    const client = twilioClient();
    const n = await explain('PhoneNumberVoiceConfig', news.phoneNumber, async () => {
      // The state may be older than a console edit: check the live number, as create does.
      assertRoutedByVoiceUrl(news.phoneNumber, await withRetry(() => client.incomingPhoneNumbers(id).fetch()));
      return withRetry(() => client.incomingPhoneNumbers(id).update(pickDefined(news, SETTINGS)));
    });
    return { outs: toOutputs(n, olds.previous) };
  },

  async delete(id, props) {
    const client = twilioClient();
    const previous = props.previous;
    if (!previous) return; // Nothing recorded: leave the number as it is rather than guess.
    // Empty strings are sent on purpose: that is how Twilio clears a URL. Methods are only
    // sent when one was recorded (Twilio rejects an empty method).
    const restore = {
      voiceUrl: previous.voiceUrl,
      voiceFallbackUrl: previous.voiceFallbackUrl,
      statusCallback: previous.statusCallback,
      ...(previous.voiceMethod ? { voiceMethod: previous.voiceMethod } : {}),
      ...(previous.voiceFallbackMethod ? { voiceFallbackMethod: previous.voiceFallbackMethod } : {}),
      ...(previous.statusCallbackMethod ? { statusCallbackMethod: previous.statusCallbackMethod } : {}),
    };
    await explain('PhoneNumberVoiceConfig', props.phoneNumber ?? id, async () => {
      try {
        await withRetry(() => client.incomingPhoneNumbers(id).update(restore));
      } catch (err) {
        if (!isNotFound(err)) throw err; // Released meanwhile: nothing left to restore.
      }
    });
  },
};

/**
 * Points an owned Twilio number's incoming calls at a webhook; on delete puts back the
 * voice settings it found. Never buys or releases the number.
 */
export class PhoneNumberVoiceConfig extends pulumi.dynamic.Resource {
  declare readonly sid: pulumi.Output<string>;
  declare readonly phoneNumber: pulumi.Output<string>;
  declare readonly voiceUrl: pulumi.Output<string>;
  declare readonly voiceMethod: pulumi.Output<'GET' | 'POST' | undefined>;
  declare readonly voiceFallbackUrl: pulumi.Output<string | undefined>;
  declare readonly voiceFallbackMethod: pulumi.Output<'GET' | 'POST' | undefined>;
  declare readonly statusCallback: pulumi.Output<string | undefined>;
  declare readonly statusCallbackMethod: pulumi.Output<'GET' | 'POST' | undefined>;
  declare readonly voiceApplicationSid: pulumi.Output<string | undefined>;
  declare readonly trunkSid: pulumi.Output<string | undefined>;
  declare readonly previous: pulumi.Output<VoiceSettings>;

  constructor(name: string, args: PhoneNumberVoiceConfigArgs, opts?: pulumi.CustomResourceOptions) {
    assertValid('PhoneNumberVoiceConfig', name, checkFields(args, phoneNumberRules, REQUIRED));
    const outputs = Object.fromEntries(['sid', 'voiceApplicationSid', 'trunkSid', 'previous', ...SETTINGS].map((k) => [k, undefined]));
    super(phoneNumberVoiceConfigProvider, name, { ...outputs, ...args }, withDefaults(opts), 'twilio', 'PhoneNumberVoiceConfig');
  }
}
