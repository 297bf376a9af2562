/**
 * Entry point named by Pulumi.yaml (`main: infra/index.ts`).
 *
 * The Pulumi Node.js runtime requires this module; an exported function is called and its
 * (awaited) result becomes the stack's outputs (program.ts SiplineOutputs): apiUrl, sipDomain,
 * registrar, registrations (secret), routerFunctionName, routerLogGroup, fallbackLogGroup,
 * alarmTopicArn, dashboardUrl, and with voicemail to email voicemailLogGroup and
 * voicemailDeadLetterQueueArn. Tests, `npm run plan` and `npm run bench` call the very same
 * function under mocks (infra/mocks.ts).
 */
import { RunError } from '@pulumi/pulumi';
import { main } from './program';
import { OLD_CLI_MESSAGE, startedAsPlugin } from './pulumiCli';

// Pulumi CLI 3.139 and 3.140 run this program where they mean to start the provider plugin
// (pulumiCli.ts): say so, instead of whatever the program would fail on without the engine. A
// RunError is printed without a stack (@pulumi/pulumi/cmd/run-plugin/run.js uncaughtHandler).
if (startedAsPlugin()) throw new RunError(OLD_CLI_MESSAGE);

export = main;
