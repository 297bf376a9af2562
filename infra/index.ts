/**
 * Entry point named by Pulumi.yaml (`main: infra/index.ts`).
 *
 * The Pulumi Node.js runtime requires this module; an exported function is called and its
 * (awaited) result becomes the stack's outputs: apiUrl, sipDomain, registrar, registrations
 * (secret), routerFunctionName, routerLogGroup, fallbackLogGroup, alarmTopicArn. Tests, `npm run plan` and
 * `npm run bench` call the very same function under mocks (infra/mocks.ts).
 */
import { main } from './program';

export = main;
