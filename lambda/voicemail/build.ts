/**
 * Bundles the voicemail worker into one self-contained CommonJS file with esbuild, with the
 * same options as the router (lambda/build.ts: deterministic, minified, AWS SDK external:
 * the nodejs22.x runtime provides @aws-sdk/client-sesv2 and client-secrets-manager).
 *
 * `npx tsx lambda/voicemail/build.ts` writes dist/voicemail/index.js; the Pulumi program puts
 * the bytes of `bundleVoicemailWorker()` into the worker's archive as `index.js` (handler
 * `index.handler`).
 */
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS, writeFileAtomically } from '../build';

export const VOICEMAIL_ENTRY = path.join(__dirname, 'index.ts');
export const VOICEMAIL_BUNDLE_PATH = path.join(__dirname, '..', '..', 'dist', 'voicemail', 'index.js');

export interface VoicemailBundle {
  /** The bundle's JavaScript. */
  code: string;
  /** esbuild's metafile, for size reports. */
  metafile: esbuild.Metafile;
}

/** Builds the worker bundle in memory. */
export async function bundleVoicemailWorker(): Promise<VoicemailBundle> {
  const result = await esbuild.build({ ...LAMBDA_BUNDLE_OPTIONS, external: [...LAMBDA_BUNDLE_OPTIONS.external], entryPoints: [VOICEMAIL_ENTRY] });
  return { code: result.outputFiles[0].text, metafile: result.metafile };
}

/** Writes dist/voicemail/index.js. */
export async function writeVoicemailBundle(outfile = VOICEMAIL_BUNDLE_PATH): Promise<VoicemailBundle> {
  const bundle = await bundleVoicemailWorker();
  writeFileAtomically(outfile, bundle.code);
  return bundle;
}

if (require.main === module) {
  writeVoicemailBundle()
    .then((b) => console.log(`wrote ${path.relative(process.cwd(), VOICEMAIL_BUNDLE_PATH)} (${(b.code.length / 1024).toFixed(1)} KiB)`))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
