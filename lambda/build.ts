/**
 * Bundles the router into one self-contained CommonJS file with esbuild.
 *
 * Used by `npm run build` (writes dist/lambda/index.js) and by the Pulumi program, which puts
 * the same bytes into the Lambda's archive. The output depends only on the source and the
 * locked dependencies: no timestamps, no absolute paths, so two builds are byte-identical and
 * an unchanged stack previews no change.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const PROJECT_ROOT = path.resolve(__dirname, '..');
export const ROUTER_ENTRY = path.join(__dirname, 'index.ts');
export const BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'lambda', 'index.js');

type PlanMetadata = { countries: Record<string, unknown[]>; nonGeographic?: Record<string, unknown[]> };

/**
 * libphonenumber-js's `max` metadata without its formatting rules (entry 4 of each numbering
 * plan: how to print a number for display). The router parses, validates and types numbers
 * and prints only E.164, which needs no formats; dropping them leaves a third less JSON to
 * parse at cold start. test/lambda/phoneMetadata.test.ts checks that every number parses,
 * validates and types the same with both.
 */
export function routingMetadata(full: PlanMetadata): PlanMetadata {
  const withoutFormats = (plans: Record<string, unknown[]> = {}) =>
    Object.fromEntries(Object.entries(plans).map(([key, plan]) => [key, plan.map((entry, i) => (i === 4 && Array.isArray(entry) ? [] : entry))]));
  return { ...full, countries: withoutFormats(full.countries), nonGeographic: withoutFormats(full.nonGeographic) };
}

/**
 * libphonenumber-js's `max` metadata is the only one with number types, which the toll-fraud
 * guard needs; even without formats (routingMetadata) it is 107 KB of JSON, close to half the
 * bundle budget. Embedding it brotli-compressed keeps all of it at a fifth of the size;
 * inflating it costs under a millisecond once per cold start.
 */
const compressedPhoneMetadata: esbuild.Plugin = {
  name: 'compressed-phone-metadata',
  setup(build) {
    build.onResolve({ filter: /^libphonenumber-js\/metadata\.max\.json$/ }, () => ({
      path: 'libphonenumber-js/metadata.max.json',
      namespace: 'compressed-phone-metadata',
    }));
    build.onLoad({ filter: /.*/, namespace: 'compressed-phone-metadata' }, () => {
      const full = JSON.parse(fs.readFileSync(require.resolve('libphonenumber-js/metadata.max.json'), 'utf8')) as PlanMetadata;
      const json = Buffer.from(JSON.stringify(routingMetadata(full)));
      const packed = zlib
        .brotliCompressSync(json, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } })
        .toString('base64');
      return {
        loader: 'js',
        contents: `module.exports = JSON.parse(require('node:zlib').brotliDecompressSync(Buffer.from(${JSON.stringify(packed)}, 'base64')).toString('utf8'));`,
      };
    });
  },
};

/**
 * The TwiML shapes (lambda/twimlShapes.ts) computed here, at build time, by the same
 * VoiceResponse code, so the Lambda loads neither xmlbuilder nor VoiceResponse at cold start.
 */
const prebuiltTwimlShapes: esbuild.Plugin = {
  name: 'prebuilt-twiml-shapes',
  setup(build) {
    build.onLoad({ filter: /[\\/]lambda[\\/]twimlShapes\.ts$/ }, () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { renderShapes } = require('./voiceResponse') as typeof import('./voiceResponse');
      return { loader: 'js', contents: `exports.TWIML_SHAPES = ${JSON.stringify(renderShapes())};` };
    });
  },
};

export interface RouterBundle {
  /** The bundle's JavaScript. */
  code: string;
  /** esbuild's metafile, for size reports (`npm run bench`). */
  metafile: esbuild.Metafile;
}

/**
 * What every sipline Lambda bundle is built with (the router here, the voicemail worker in
 * lambda/voicemail/build.ts): one minified, deterministic CommonJS file for nodejs22.x.
 */
export const LAMBDA_BUNDLE_OPTIONS = {
  absWorkingDir: PROJECT_ROOT,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  // The nodejs22.x Lambda runtime ships AWS SDK v3; bundling the Secrets Manager client would
  // triple the bundle for a single call made once per cold start.
  external: ['@aws-sdk/*'],
  write: false,
  metafile: true,
  logLevel: 'silent',
} satisfies esbuild.BuildOptions;

/** Builds the router bundle in memory. `plugins` come first (the benchmark's baseline uses one). */
export async function bundleRouter(plugins: esbuild.Plugin[] = []): Promise<RouterBundle> {
  const result = await esbuild.build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [ROUTER_ENTRY],
    plugins: [...plugins, compressedPhoneMetadata, prebuiltTwimlShapes],
  });
  return { code: result.outputFiles[0].text, metafile: result.metafile };
}

/**
 * Writes via a temporary file and a rename, so a process reading the file meanwhile (a test,
 * `npm start`) never sees half of it.
 */
export function writeFileAtomically(file: string, contents: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, contents, { mode });
  fs.renameSync(temporary, file);
}

/** `npm run build`: writes dist/lambda/index.js. */
export async function writeRouterBundle(outfile = BUNDLE_PATH): Promise<RouterBundle> {
  const bundle = await bundleRouter();
  writeFileAtomically(outfile, bundle.code);
  return bundle;
}

if (require.main === module) {
  writeRouterBundle()
    .then((b) => console.log(`wrote ${path.relative(process.cwd(), BUNDLE_PATH)} (${(b.code.length / 1024).toFixed(1)} KiB)`))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
