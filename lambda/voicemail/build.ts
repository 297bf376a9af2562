/**
 * Bundles the voicemail worker into one self-contained CommonJS file with esbuild, with the
 * same options as the router (lambda/build.ts: deterministic, minified, AWS SDK external:
 * the nodejs22.x runtime provides @aws-sdk/client-sesv2 and client-secrets-manager).
 *
 * The Pulumi program puts the bytes of `bundleVoicemailWorker()` into the worker's archive as
 * `index.js` (handler `index.handler`), as it does the router's.
 */
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS } from '../build';

export const VOICEMAIL_ENTRY = path.join(__dirname, 'index.ts');

export interface VoicemailBundle {
  /** The bundle's JavaScript. */
  code: string;
  /** esbuild's metafile, for size reports. */
  metafile: esbuild.Metafile;
}

/** Builds the worker bundle in memory. */
export async function bundleVoicemailWorker(): Promise<VoicemailBundle> {
  const result = await esbuild.build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: [VOICEMAIL_ENTRY] });
  return { code: result.outputFiles[0].text, metafile: result.metafile };
}
