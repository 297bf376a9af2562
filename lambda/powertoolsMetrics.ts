/**
 * Powertools Metrics, as the router loads it: on its first metric, and in the Lambda from a file
 * of its own beside the bundle (`powertools-metrics.js`, lambda/build.ts). Only the routes Twilio
 * calls once a call is over emit metrics (lambda/metrics.ts), so the routes that answer a ringing
 * phone neither load nor parse it.
 */
export { Metrics } from '@aws-lambda-powertools/metrics';
