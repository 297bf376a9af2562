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
/**
 * The longest From or To read at all. Neither RFC 3261 nor Twilio caps a URI, but a phone's
 * dialed address is short: the scheme (5), a user part (a dial string, or a Twilio SIP username
 * of at most 32 characters; USER_PART allows 64), a phone-context (an E.164 prefix, or a domain
 * name), `@`, a host such as `acme.sip.sao-paulo.us1.twilio.com` (a domain label of Twilio's
 * SIP domains plus about 30), and a few parameters (`;user=phone`, `;transport=tls`): under 200.
 * 256 leaves room for that, and the address is refused as malformed before any parsing when
 * longer, so no pattern ever reads more than 256 characters of it (the form body itself may hold
 * 32 KiB: lambda/webhookForm.ts).
 */
export const MAX_ADDRESS_LENGTH = 256;
// RFC 3966 3: `parameter = ";" pname ["=" pvalue]`, pname = 1*( alphanum / "-" ), pvalue =
// 1*paramchar (unreserved, marks, and "[" "]" "/" ":" "&" "+" "$"; pct-encoded ones are decoded
// first, so none is left). No whitespace anywhere: neither RFC 3966 nor RFC 3261 19.1.1 allows
// any inside a URI (LWS is allowed only between a header's parameters, outside the URI).
const PARAMETER = /^([A-Za-z0-9-]+)(?:=(.*))?$/;
const PARAMETER_VALUE = /^[A-Za-z0-9\-_.!~*'()[\]/:&+$]+$/;
// RFC 3966 global-number-digits = "+" *phonedigit DIGIT *phonedigit: "+", digits and visual
// separators, with at least one digit, checked apart (HAS_DIGIT). One character class after
// the "+", so the match is linear; `^\+[0-9().-]*[0-9][0-9().-]*$` backtracked quadratically on
// a long "+111...1x".
const GLOBAL_NUMBER_CHARACTERS = /^\+[0-9().-]+$/;
const HAS_DIGIT = /[0-9]/;
// RFC 3966 domainname: labels of letters, digits and inner hyphens, the last one starting with a
// letter, an optional final dot. Checked label by label (split on "."), each pattern linear.
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

/** The user part of an address, and the phone-context it was dialed in, if it says. */
export interface DialedAddress {
  user: string;
  /** The `phone-context` parameter as written (decoded): `+44`, or a domain name. */
  phoneContext?: string;
}

/**
 * The user part of a `sip:`, `sips:` or `tel:` URI, or of a bare address, with its
 * `phone-context`. Percent-escapes are decoded first, so an escaped `;phone-context=` is
 * read like a plain one and never hidden from the router. Undefined, so the call is refused as
 * malformed, for an address longer than MAX_ADDRESS_LENGTH, a user part with odd characters, a
 * parameter that breaks RFC 3966's grammar (a space, `;;`), a phone-context without a valid
 * value (`;phone-context`, `;phone-context=`, `;phone-context=+`), or two phone-contexts: which
 * one a phone meant cannot be known, and a wrong guess dials another country.
 */
export function dialedAddressOf(address: string | undefined): DialedAddress | undefined {
  if (!address || address.length > MAX_ADDRESS_LENGTH) return undefined;
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
  let phoneContext: string | undefined;
  for (const param of params) {
    const [, name, value] = PARAMETER.exec(param) ?? [];
    if (name === undefined || (value !== undefined && !PARAMETER_VALUE.test(value))) return undefined;
    // Parameter names are case-insensitive (RFC 3966 3).
    if (name.toLowerCase() !== 'phone-context') continue;
    if (phoneContext !== undefined || value === undefined || !isDescriptor(value)) return undefined;
    phoneContext = value;
  }
  return phoneContext === undefined ? { user } : { user, phoneContext };
}

/** RFC 3966 `descriptor = domainname / global-number-digits`. */
function isDescriptor(value: string): boolean {
  if (value.startsWith('+')) return isGlobalNumberDigits(value);
  const labels = (value.endsWith('.') ? value.slice(0, -1) : value).split('.');
  return labels.every((label) => DOMAIN_LABEL.test(label)) && /^[A-Za-z]/.test(labels[labels.length - 1]);
}

function isGlobalNumberDigits(value: string): boolean {
  return GLOBAL_NUMBER_CHARACTERS.test(value) && HAS_DIGIT.test(value);
}

/**
 * The host of a SIP URI: `sip:4155551234@acme.sip.twilio.com;user=phone` → acme.sip.twilio.com;
 * undefined for anything else (a number, a tel: URI, an address over MAX_ADDRESS_LENGTH).
 */
export function hostOf(uri: string | undefined): string | undefined {
  return uri === undefined || uri.length > MAX_ADDRESS_LENGTH ? undefined : /^sips?:[^@]*@([^;:?>]+)/i.exec(uri)?.[1];
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
  return isGlobalNumberDigits(phoneContext) ? phoneContext.replace(/[^0-9]/g, '') : undefined;
}

/**
 * Where phones reach a SIP domain, from Twilio's "Localized URIs" pages: the public edges
 * (`<domain>.sip.<edge>.twilio.com`) and their legacy region names (`.sip.us1.`, `.sip.ie1.`...)
 * (twilio.com/docs/global-infrastructure/localized-uris/sip-uris), and the private Interconnect
 * edges with their legacy names (.../localized-uris/interconnect-sip-uris). SIP_EDGES is also
 * the `sipline:edge` config's list (infra/config.ts), so the two never disagree. Twilio documents
 * no name combining an edge with a region for SIP domains, so none is accepted.
 */
export const SIP_EDGES = ['ashburn', 'dublin', 'frankfurt', 'sao-paulo', 'singapore', 'sydney', 'tokyo', 'umatilla'] as const;
const LEGACY_SIP_REGIONS = ['us1', 'us2', 'ie1', 'de1', 'sg1', 'jp1', 'br1', 'au1'];
const INTERCONNECT_SIP_EDGES = [
  ...['ashburn', 'san-jose', 'london', 'frankfurt', 'singapore', 'tokyo', 'sydney', 'sao-paulo'].map((edge) => `${edge}-ix`),
  ...LEGACY_SIP_REGIONS.map((region) => `${region}-ix`),
];

/**
 * The host names of a SIP domain, in any case: its own (acme.sip.twilio.com), and the ones
 * phones use to reach it through a documented edge or legacy region (acme.sip.dublin.twilio.com,
 * acme.sip.us1.twilio.com). The label is unique across Twilio, so each of these names this
 * domain and no other; `acme.sip.sip.twilio.com` or `acme.sip.x.y.twilio.com` are not among them.
 * A domain of another shape matches nothing.
 */
export function sipDomainHostPattern(domain: string): RegExp {
  const label = /^([a-z0-9-]+)\.sip\.twilio\.com$/i.exec(domain)?.[1];
  const locations = [...SIP_EDGES, ...LEGACY_SIP_REGIONS, ...INTERCONNECT_SIP_EDGES].join('|');
  return label ? new RegExp(`^${label}\\.sip(?:\\.(?:${locations}))?\\.twilio\\.com$`, 'i') : /(?!)/;
}
