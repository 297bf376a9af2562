/** The time zone a voicemail's time is shown in: one rule for the worker and the stack's config. */

/** Checks a time zone once, at cold start, so a typo fails the init and not every job. */
export function checkTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    throw new Error(`VOICEMAIL_TIME_ZONE "${timeZone}" is not an IANA time zone (like Europe/London or America/New_York)`);
  }
  return timeZone;
}
