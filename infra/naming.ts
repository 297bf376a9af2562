/**
 * Pure helpers the components share: stable resource names and what a softphone needs to know.
 * No Pulumi in here, so each rule is tested on its own (test/infra/naming.test.ts).
 */
import type { SipEdge } from './config';

/**
 * The part of a per-user resource name derived from the username: `alice` -> `alice`,
 * `+14155550100` -> `14155550100`.
 *
 * Names come from usernames, never from list positions, so reordering `sipline:users` or
 * removing one user leaves every other user's credential (and generated password) alone.
 * Usernames are letters, digits, ".", "_", "-" or E.164 (lambda/directory.ts), so only the
 * leading "+" needs to go; `resourceSlugs` rejects the one possible clash it creates.
 */
export function resourceSlug(username: string): string {
  return username.replace(/^\+/, '');
}

/**
 * Slugs for a list of usernames, in order. Throws when two usernames share a slug (only
 * `+14155550100` next to `14155550100` can), naming both: two resources with one name would
 * otherwise fail late, inside `pulumi up`.
 */
export function resourceSlugs(usernames: readonly string[]): string[] {
  const seen = new Map<string, string>();
  return usernames.map((username) => {
    const slug = resourceSlug(username);
    const other = seen.get(slug);
    if (other !== undefined) {
      throw new Error(`users ${JSON.stringify(other)} and ${JSON.stringify(username)} would share the resource name "${slug}"; rename one of them`);
    }
    seen.set(slug, username);
    return slug;
  });
}

/** Lambda's limit on a function name (CreateFunction: 1-64 letters, digits, `-`, `_`). */
export const LAMBDA_NAME_MAX = 64;

/**
 * A Lambda function's physical name: `<prefix>-<role>-<suffix>`, e.g. `sipline-dev-router-1a2b3c4d`.
 * The suffix is random per stack (infra/components/router.ts), so two projects or two accounts'
 * stacks of the same name never share a function, nor the log group named after it. Characters
 * Lambda refuses (a stack name may hold `.`) become `-`, and the prefix is cut so the suffix,
 * which makes the name unique, always fits.
 */
export function lambdaFunctionName(prefix: string, role: string, suffix: string): string {
  const head = `${prefix}-${role}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, LAMBDA_NAME_MAX - suffix.length - 1);
  return `${head}-${suffix}`;
}

/**
 * The log group Lambda itself would use for a function, `/aws/lambda/<function name>` (Lambda's
 * LoggingConfig default): one per function name, and where `aws logs tail`, the console's
 * "View CloudWatch logs" and every Lambda tool look first.
 */
export function lambdaLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** `acme` + `dublin` -> `acme.sip.dublin.twilio.com`; no edge -> `acme.sip.twilio.com`. */
export function registrarHost(domainLabel: string, edge?: SipEdge): string {
  return edge === undefined ? `${domainLabel}.sip.twilio.com` : `${domainLabel}.sip.${edge}.twilio.com`;
}

export type SipTransport = 'TLS' | 'UDP';

/** What to type into a softphone's account screen. */
export interface Registration {
  username: string;
  /** Same as the username on Twilio; some phones ask for it separately. */
  authUsername: string;
  password: string;
  /** The SIP domain: the host part of the phone's address of record, `sip:USER@DOMAIN`. */
  domain: string;
  /** Where the phone sends REGISTER (the domain, or its edge-specific name). */
  registrar: string;
  transport: SipTransport;
  port: number;
  /** Seconds between re-registrations; Twilio accepts 600-3600. */
  expires: number;
  /** Media encryption the domain requires. */
  srtp: boolean;
}

/** Twilio accepts registration expiries from 600 to 3600 seconds (twilio-sip.md). */
export const REGISTRATION_EXPIRES = 3600;

/** Twilio's SIP ports: 5060 for UDP/TCP, 5061 for TLS. */
export function registrationFor(
  user: { username: string; password: string },
  where: { domainLabel: string; edge?: SipEdge; secure: boolean },
): Registration {
  return {
    username: user.username,
    authUsername: user.username,
    password: user.password,
    domain: `${where.domainLabel}.sip.twilio.com`,
    registrar: registrarHost(where.domainLabel, where.edge),
    transport: where.secure ? 'TLS' : 'UDP',
    port: where.secure ? 5061 : 5060,
    expires: REGISTRATION_EXPIRES,
    srtp: where.secure,
  };
}
