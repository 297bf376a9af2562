/**
 * The names of the placeholders in TwiML shapes, shared by lambda/voiceResponse.ts (which
 * builds the shapes at build time) and lambda/twiml.ts (which fills them per call) without the
 * Lambda loading the builder.
 */

/** `{{name}}`: a placeholder no filled-in value can contain (twiml.ts fills only letters, digits and a few marks). */
export const placeholder = (name: string) => `{{${name}}}`;

/** Slot names of the <Sip> targets of a dial: target0, target1, ... */
export const targetSlot = (i: number) => `target${i}`;
