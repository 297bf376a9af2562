/**
 * sipline's Twilio resources on the program side: typed classes for the sipline-twilio
 * provider plugin (infra/provider), and the validation rules both sides share.
 */
export * from './resources';
export * from './validate';
