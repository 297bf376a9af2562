/**
 * Bundles the voice fallback (lambda/fallback/index.ts) with the options of every sipline Lambda
 * (lambda/build.ts), its one answer computed at build time: the Pulumi program puts the bytes
 * into the fallback's archive as `index.js`.
 */
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { buildTimeModule, LAMBDA_BUNDLE_OPTIONS } from '../build';

export const FALLBACK_ENTRY = path.join(__dirname, 'index.ts');

export async function bundleFallback(): Promise<{ code: string }> {
  const result = await esbuild.build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [FALLBACK_ENTRY],
    plugins: [
      buildTimeModule(/[\\/]lambda[\\/]fallback[\\/]twiml\.ts$/, () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { FALLBACK_TWIML } = require('./twiml') as typeof import('./twiml');
        return { FALLBACK_TWIML };
      }),
    ],
  });
  return { code: result.outputFiles[0].text };
}
