/**
 * The sipline-twilio provider plugin's entry point. The engine starts it through the Node.js
 * language host (PulumiPlugin.yaml, runtime nodejs): `node @pulumi/pulumi/cmd/run-plugin
 * <this folder> <engine address>`, which requires this folder's index with the arguments after
 * the folder as process.argv; the plugin prints its gRPC port on stdout.
 */
import { TwilioProvider } from './provider';
import { engineAddress, engineLogger, serve } from './server';

const args = process.argv.slice(2);
void serve(new TwilioProvider(engineLogger(engineAddress(args))), args);
