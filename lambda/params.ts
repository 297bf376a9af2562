/** Reading webhook parameters: a parameter Twilio sends once, and log fields of bounded size. */

/** A parameter Twilio sends once; a repeated one is as good as malformed. */
export function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Log fields are capped so a hostile request cannot flood the logs. */
export function clip(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.slice(0, 80) : undefined;
}
