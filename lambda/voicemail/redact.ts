/**
 * Email addresses taken out of what the worker logs. Its log lines never carry a recipient's
 * address (personal data), yet error messages can: SES's, while the account is in the sandbox,
 * name every identity that failed verification ("…failed the check in region US-EAST-1:
 * alice@acme.example, voicemail@acme.example"), and a refused job's message shows its bad values.
 *
 * Anything shaped like an address (text around an `@`, up to a space or punctuation that no
 * address in a log line is written with) is replaced by what it is to the job: `[recipient]`,
 * `[sender]`, or `[email address]`; enough to tell which identity SES refused, nothing more.
 */
const ADDRESS_LIKE = /[^\s<>()[\]{},;:"'`@]*@[^\s<>()[\]{},;:"'`@]*/g;

export interface KnownAddresses {
  /** The job's recipient (the mailbox's address). */
  recipient?: string;
  /** The address voicemails are sent from. */
  sender?: string;
}

export function redactEmailAddresses(text: string, known: KnownAddresses = {}): string {
  return text.replace(ADDRESS_LIKE, (found) => {
    // A sentence's full stop is not part of the address.
    const address = found.replace(/\.+$/, '');
    const is = (candidate: string | undefined) => candidate !== undefined && candidate.toLowerCase() === address.toLowerCase();
    const label = is(known.recipient) ? '[recipient]' : is(known.sender) ? '[sender]' : '[email address]';
    return label + found.slice(address.length);
  });
}
