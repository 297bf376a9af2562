/**
 * The TwiML documents that do not depend on the call, built by VoiceResponse.
 *
 * Here they are built when this module loads; in the Lambda bundle, lambda/build.ts replaces
 * this module with the same value computed at build time, which keeps xmlbuilder and
 * VoiceResponse (about 7 ms) off the cold start.
 */
import { renderShapes, type TwimlShapes } from './voiceResponse';

export const TWIML_SHAPES: TwimlShapes = renderShapes();
