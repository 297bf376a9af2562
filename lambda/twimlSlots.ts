/**
 * The names of the placeholders and shapes of TwiML, shared by lambda/voiceResponse.ts (which
 * builds the shapes at build time) and lambda/twiml.ts (which fills them per call) without the
 * Lambda loading the builder.
 */

/** `{{name}}`: a placeholder no filled-in value can contain (twiml.ts fills only letters, digits and a few marks). */
export const placeholder = (name: string) => `{{${name}}}`;

/** Slot names of the <Sip> targets of a dial: target0, target1, ... */
export const targetSlot = (i: number) => `target${i}`;

/** How a dial goes on: a call's, to the after-dial route; a transfer's, nowhere (one after the other for a sequential group). */
export type DialMode = 'call' | 'transfer' | 'sequential';

/** The key of a dial's shape: `number:<mode>`, or `sip:<1 or 2 targets>:<with callerId>:<mode>`. */
export function dialShapeKey(noun: 'number' | 'sip', mode: DialMode, targets = 1, withCallerId = true): string {
  return noun === 'number' ? `number:${mode}` : `sip:${Math.min(targets, 2)}:${withCallerId}:${mode}`;
}
