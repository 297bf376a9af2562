/**
 * Extracts the user part of the addresses Twilio puts in `From` and `To`.
 *
 * From a registered phone both are SIP URIs (`sip:alice@acme.sip.twilio.com`,
 * `sip:4155551234@acme.sip.twilio.com;user=phone`); for calls to the account's numbers they are
 * plain E.164 (`+14155550100`). Anything else is malformed and yields undefined, so the caller
 * can refuse the call with a spoken reason instead of guessing.
 */

const SCHEME = /^(?:sips?|tel):/i;
// What may stand in a user part once decoded: letters, digits, and the marks that
// usernames and dial strings use. Anything else (quotes, angle brackets, spaces...) is refused.
const USER_PART = /^[A-Za-z0-9+*#._()-]{1,64}$/;

export function userPartOf(address: string | undefined): string | undefined {
  if (!address) return undefined;
  let user: string;
  const scheme = SCHEME.exec(address);
  if (scheme) {
    const rest = address.slice(scheme[0].length);
    if (scheme[0].toLowerCase() === 'tel:') {
      user = rest.split(';', 1)[0]; // tel:+14155550100;phone-context=... keeps the number only
    } else {
      const at = rest.lastIndexOf('@');
      if (at <= 0) return undefined; // no user part: sip:acme.sip.twilio.com
      // userinfo = user [":" password], and a telephone-subscriber user may carry ;params
      user = rest.slice(0, at).split(':', 1)[0].split(';', 1)[0];
    }
  } else {
    user = address;
  }
  if (user.includes('%')) {
    try {
      user = decodeURIComponent(user);
    } catch {
      return undefined;
    }
  }
  return USER_PART.test(user) ? user : undefined;
}
