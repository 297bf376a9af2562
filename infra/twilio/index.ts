/**
 * sipline's Twilio resources: Pulumi dynamic providers over the official twilio SDK
 * (no Twilio Pulumi provider is published on npm). Type tokens: pulumi-nodejs:dynamic/twilio:<Name>.
 */
export * from './sipDomain';
export * from './credentials';
export * from './mappings';
export * from './phoneNumber';
export * from './validate';
export { twilioClient } from './client';
export { TwilioResourceError, describeFailure } from './errors';
export { retryPolicy, setRetryPolicy, withRetry, createOrAdopt, backoffDelay, type RetryPolicy } from './retry';
