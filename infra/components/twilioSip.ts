/**
 * The Twilio side of sipline: one SIP domain, one credential list with a credential per user,
 * the list mapped for both registrations and calls, and every bound number's voice URL (users'
 * and hunt groups'); the domain and every number also get the voice fallback URL and the status
 * callback.
 *
 * Every Twilio object is a declared resource of sipline's own provider plugin (infra/provider,
 * declared through infra/twilio's classes), never an SDK call inside `apply`: `pulumi preview`
 * shows it, `pulumi refresh` reads it, `pulumi destroy` removes it, `pulumi import` adopts it.
 */
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { SipEdge } from '../config';
import { registrationFor, resourceSlug, resourceSlugs, type Registration } from '../naming';
import {
  CallCredentialListMapping,
  Credential,
  CredentialList,
  PhoneNumberVoiceConfig,
  RegistrationCredentialListMapping,
  SipDomain,
  VoiceDialingPermissions,
} from '../twilio';

export interface TwilioSipUser {
  username: string;
  /** A pulumi secret. Absent: one is generated (GENERATED_PASSWORD) and kept in state as a secret. */
  password?: pulumi.Input<string>;
}

export interface TwilioSipArgs {
  /** The domain's label: `acme` for acme.sip.twilio.com. */
  domainLabel: string;
  /** Shown in Twilio's console, at most 64 characters. */
  friendlyName: string;
  /** Asked for TwiML for every call a registered phone places. */
  outboundVoiceUrl: pulumi.Input<string>;
  /** Asked for TwiML for every call to a bound number. */
  inboundVoiceUrl: pulumi.Input<string>;
  /**
   * Asked, for the domain and every number, when the voice URL failed (5xx, timeout,
   * unreachable): the Router's fallback, served apart from the router.
   */
  voiceFallbackUrl: pulumi.Input<string>;
  /**
   * Asked, for the domain and every number, when a call ends (Twilio's status callback, with
   * the call's status, duration and SIP response code): the router's /voice/status.
   */
  statusCallbackUrl: pulumi.Input<string>;
  users: TwilioSipUser[];
  /** E.164 numbers the account owns whose calls ring a user or a group (infra/config.ts `boundNumbers`). */
  numbers: string[];
  /** TLS signalling and SRTP media required from every phone. */
  secure: boolean;
  emergencyCallingEnabled: boolean;
  /**
   * When given, the account's Voice dialing permissions are set to exactly these countries
   * (low-risk numbers only): account-wide, so opt-in (`sipline:manageDialingPermissions`).
   */
  dialingPermissions?: string[];
  /** Edge phones register at; only changes the registrar host handed to users. */
  edge?: SipEdge;
}

/**
 * How passwords are generated when a user has none. Twilio wants 12+ characters with a digit,
 * an upper and a lower case letter (twilio/validate.ts PASSWORD_POLICY). Letters and digits only: 32 of
 * them carry ~190 bits, and no phone's web UI, provisioning XML or QR code has to escape
 * anything.
 */
export const GENERATED_PASSWORD = {
  length: 32,
  special: false,
  upper: true,
  lower: true,
  numeric: true,
  minUpper: 2,
  minLower: 2,
  minNumeric: 2,
} as const;

export class TwilioSip extends pulumi.ComponentResource {
  public readonly domainSid: pulumi.Output<string>;
  /** The full SIP domain, e.g. acme.sip.twilio.com. */
  public readonly domainName: pulumi.Output<string>;
  public readonly credentialListSid: pulumi.Output<string>;
  /** Credential sid per username. */
  public readonly credentialSids: pulumi.Output<Record<string, string>>;
  /** What each user types into a softphone, keyed by username. Secret: it holds passwords. */
  public readonly registrations: pulumi.Output<Record<string, Registration>>;

  constructor(name: string, args: TwilioSipArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sipline:index:TwilioSip', name, {}, opts);
    const parent = { parent: this };
    let slugs: string[];
    try {
      slugs = resourceSlugs(args.users.map((u) => u.username));
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this, true);
    }

    const domain = new SipDomain(
      `${name}-domain`,
      {
        domainName: `${args.domainLabel}.sip.twilio.com`,
        friendlyName: args.friendlyName,
        voiceUrl: args.outboundVoiceUrl,
        voiceMethod: 'POST',
        // Twilio asks it only when the voice URL failed; it is a separate Lambda (Router), so
        // the caller hears an apology instead of Twilio's "an application error has occurred".
        voiceFallbackUrl: args.voiceFallbackUrl,
        voiceFallbackMethod: 'POST',
        voiceStatusCallbackUrl: args.statusCallbackUrl,
        voiceStatusCallbackMethod: 'POST',
        sipRegistration: true,
        secure: args.secure,
        emergencyCallingEnabled: args.emergencyCallingEnabled,
      },
      parent,
    );

    const list = new CredentialList(`${name}-credentials`, { friendlyName: args.friendlyName }, parent);

    // No pulumi.secret here: Credential keeps its password secret (input and output) whatever it
    // is given, and `registrations`, the only other place the passwords go, is secret as a whole.
    const passwords: pulumi.Input<string>[] = [];
    const credentials = args.users.map((user, i) => {
      const password = user.password ?? new random.RandomPassword(`${name}-password-${slugs[i]}`, GENERATED_PASSWORD, parent).result;
      passwords.push(password);
      return new Credential(`${name}-cred-${slugs[i]}`, { credentialListSid: list.sid, username: user.username, password }, parent);
    });

    // A domain accepts no REGISTER and no call until a credential list is mapped for each.
    new RegistrationCredentialListMapping(`${name}-registration-auth`, { domainSid: domain.sid, credentialListSid: list.sid }, parent);
    new CallCredentialListMapping(`${name}-call-auth`, { domainSid: domain.sid, credentialListSid: list.sid }, parent);

    for (const phoneNumber of args.numbers) {
      new PhoneNumberVoiceConfig(
        `${name}-number-${resourceSlug(phoneNumber)}`,
        {
          phoneNumber,
          voiceUrl: args.inboundVoiceUrl,
          voiceMethod: 'POST',
          voiceFallbackUrl: args.voiceFallbackUrl,
          voiceFallbackMethod: 'POST',
          statusCallback: args.statusCallbackUrl,
          statusCallbackMethod: 'POST',
        },
        parent,
      );
    }

    if (args.dialingPermissions) new VoiceDialingPermissions(`${name}-dialing-permissions`, { allowedCountries: args.dialingPermissions }, parent);

    this.domainSid = domain.sid;
    this.domainName = domain.domainName;
    this.credentialListSid = list.sid;
    this.credentialSids = pulumi
      .all(credentials.map((c) => c.sid))
      .apply((sids) => Object.fromEntries(args.users.map((u, i) => [u.username, sids[i]])));
    const where = { domainLabel: args.domainLabel, edge: args.edge, secure: args.secure };
    this.registrations = pulumi.secret(
      pulumi
        .all(passwords)
        .apply((pw) => Object.fromEntries(args.users.map((u, i) => [u.username, registrationFor({ username: u.username, password: pw[i] }, where)]))),
    );

    this.registerOutputs({
      domainSid: this.domainSid,
      domainName: this.domainName,
      credentialListSid: this.credentialListSid,
      credentialSids: this.credentialSids,
      registrations: this.registrations,
    });
  }
}
