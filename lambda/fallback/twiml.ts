/**
 * The voice fallback's one answer, built by VoiceResponse (so escaping is its job). Here it is
 * built when this module loads; in the fallback's bundle, lambda/fallback/build.ts replaces this
 * module with the same value computed at build time: the Lambda loads neither xmlbuilder nor
 * VoiceResponse, and has nothing to build before it answers.
 */
import { FALLBACK_MESSAGE } from '../messages';
import { sayAndHangUp } from '../voiceResponse';

export const FALLBACK_TWIML = sayAndHangUp(FALLBACK_MESSAGE);
