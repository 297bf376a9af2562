/**
 * Reads the addresses Twilio puts in `From` and `To`.
 *
 * From a registered phone both are SIP URIs (`sip:alice@acme.sip.twilio.com`,
 * `sip:4155551234@acme.sip.twilio.com;user=phone`); for calls to the account's numbers they are
 * plain E.164 (`+14155550100`). A local number may carry the context it was dialed in, RFC 3966
 * `phone-context` (`tel:2079460000;phone-context=+44`, or in a SIP URI's user part,
 * `sip:2079460000;phone-context=+44@acme.sip.twilio.com;user=phone`). Anything else is
 * malformed and yields undefined, so the caller can refuse the call with a spoken reason
 * instead of guessing.
 */

const SCHEME = /^(?:sips?|tel):/i;
// What may stand in a user part once decoded: letters, digits, and the marks that
// usernames and dial strings use. Anything else (quotes, angle brackets, spaces...) is refused.
const USER_PART = /^[A-Za-z0-9+*#._()-]{1,64}$/;
// RFC 3966 global-number-digits: "+", digits and visual separators, at least one digit.
const GLOBAL_NUMBER_DIGITS = /^\+[0-9().-]*[0-9][0-9().-]*$/;

/** The user part of an address, and the phone-context it was dialed in, if it says. */
export interface DialedAddress {
  user: string;
  /** The `phone-context` parameter as written (decoded): `+44`, or a domain name. */
  phoneContext?: string;
}

/**
 * The user part of a `sip:`, `sips:` or `tel:` URI, or of a bare address, with its
 * `phone-context`. Percent-escapes are decoded first, so an escaped `;phone-context=` is
 * read like a plain one and never hidden from the router.
 */
export function dialedAddressOf(address: string | undefined): DialedAddress | undefined {
  if (!address) return undefined;
  let userinfo: string;
  const scheme = SCHEME.exec(address);
  if (scheme && scheme[0].toLowerCase() !== 'tel:') {
    const rest = address.slice(scheme[0].length);
    const at = rest.lastIndexOf('@');
    if (at <= 0) return undefined; // no user part: sip:acme.sip.twilio.com
    userinfo = rest.slice(0, at).split(':', 1)[0]; // userinfo = user [":" password]
  } else {
    userinfo = scheme ? address.slice(scheme[0].length) : address;
  }
  if (userinfo.includes('%')) {
    try {
      userinfo = decodeURIComponent(userinfo);
    } catch {
      return undefined;
    }
  }
  // A telephone-subscriber user part carries ;params (RFC 3261 19.1.1, RFC 3966 3).
  const [user, ...params] = userinfo.split(';');
  if (!USER_PART.test(user)) return undefined;
  const context = params.find((p) => /^phone-context=/i.test(p));
  return context === undefined ? { user } : { user, phoneContext: context.slice('phone-context='.length) };
}

/** The user part alone (for comparing From with the authenticated username). */
export function userPartOf(address: string | undefined): string | undefined {
  return dialedAddressOf(address)?.user;
}

/**
 * The digits of a global `phone-context` (`+44` → `44`, `+1-415` → `1415`), or undefined for a
 * domain name or anything malformed: a local number in such a context cannot be dialed.
 */
export function globalPrefixOf(phoneContext: string): string | undefined {
  return GLOBAL_NUMBER_DIGITS.test(phoneContext) ? phoneContext.replace(/[^0-9]/g, '') : undefined;
}
