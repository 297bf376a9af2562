/**
 * Bundles the router with esbuild into self-contained CommonJS: `index.js`, and beside it what it
 * reads: `phone-metadata.json` (the numbering plans, at cold start) and `powertools-metrics.js`
 * (Powertools Metrics, which index.js requires only when it first emits a metric: the routes
 * that answer a ringing phone never load or parse it).
 *
 * Used by `npm run build` (writes dist/lambda/) and by the Pulumi program, which puts the same
 * bytes into the Lambda's archive. The output depends only on the source and the
 * locked dependencies: no timestamps, no absolute paths, so two builds are byte-identical and
 * an unchanged stack previews no change.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from './files';

const PROJECT_ROOT = path.resolve(__dirname, '..');
export const ROUTER_ENTRY = path.join(__dirname, 'index.ts');
export const BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'lambda', 'index.js');
/** The phone metadata's file, beside the bundle. */
export const PHONE_METADATA_FILE = 'phone-metadata.json';
/** Powertools Metrics' file, beside the bundle (lambda/powertoolsMetrics.ts). */
export const METRICS_FILE = 'powertools-metrics.js';
const METRICS_ENTRY = path.join(__dirname, 'powertoolsMetrics.ts');

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

/** The metadata the router reads (routingMetadata of libphonenumber-js's `max`), as JSON text. */
export function phoneMetadataJson(): string {
  const full = JSON.parse(fs.readFileSync(require.resolve('libphonenumber-js/metadata.max.json'), 'utf8')) as PlanMetadata;
  return JSON.stringify(routingMetadata(full));
}

/**
 * libphonenumber-js's `max` metadata is the only one with number types, which the toll-fraud
 * guard needs; without formats (routingMetadata) it is 113 kB of JSON. It ships as a file of its
 * own beside the bundle (PHONE_METADATA_FILE), read and parsed once at cold start: data kept out
 * of the code V8 compiles (as a string in the bundle it cost about 2 ms of compiling), and
 * nothing to inflate (brotli would need node:zlib, whose loading alone costs about 2 ms).
 */
const phoneMetadataBesideTheBundle: esbuild.Plugin = {
  name: 'phone-metadata-beside-the-bundle',
  setup(build) {
    build.onResolve({ filter: /^libphonenumber-js\/metadata\.max\.json$/ }, () => ({
      path: 'libphonenumber-js/metadata.max.json',
      namespace: 'phone-metadata-beside-the-bundle',
    }));
    build.onLoad({ filter: /.*/, namespace: 'phone-metadata-beside-the-bundle' }, () => ({
      loader: 'js',
      contents: `module.exports = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, ${JSON.stringify(PHONE_METADATA_FILE)}), 'utf8'));`,
    }));
  },
};

/** lambda/powertoolsMetrics.ts stays out of index.js: it is required from its own file. */
const metricsOnItsOwn: esbuild.Plugin = {
  name: 'powertools-metrics-on-its-own',
  setup(build) {
    build.onResolve({ filter: /^\.\/powertoolsMetrics$/ }, () => ({ path: `./${METRICS_FILE}`, external: true }));
  },
};

/**
 * A module replaced, in a bundle, by the values it exports, computed here at build time: for what
 * the Lambda would otherwise build at cold start with code it then need not load.
 */
export function buildTimeModule(filter: RegExp, exports: () => Record<string, unknown>): esbuild.Plugin {
  return {
    name: `build-time:${filter.source}`,
    setup(build) {
      build.onLoad({ filter }, () => ({
        loader: 'js',
        contents: Object.entries(exports())
          .map(([name, value]) => `exports.${name} = ${JSON.stringify(value)};`)
          .join('\n'),
      }));
    },
  };
}

/**
 * The TwiML shapes (lambda/twimlShapes.ts) computed at build time by the same VoiceResponse
 * code, so the Lambda loads neither xmlbuilder nor VoiceResponse at cold start.
 */
const prebuiltTwimlShapes = buildTimeModule(/[\\/]lambda[\\/]twimlShapes\.ts$/, () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderShapes } = require('./voiceResponse') as typeof import('./voiceResponse');
  return { TWIML_SHAPES: renderShapes() };
});

export interface RouterBundle {
  /** The bundle's JavaScript: index.js. */
  code: string;
  /** Powertools Metrics, bundled on its own: METRICS_FILE, beside index.js. */
  metricsCode: string;
  /** The phone metadata index.js reads at cold start: PHONE_METADATA_FILE, beside it. */
  phoneMetadata: string;
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
  const [result, metrics] = await Promise.all([
    esbuild.build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: [ROUTER_ENTRY], plugins: [...plugins, metricsOnItsOwn, phoneMetadataBesideTheBundle, prebuiltTwimlShapes] }),
    esbuild.build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: [METRICS_ENTRY] }),
  ]);
  return { code: result.outputFiles[0].text, metricsCode: metrics.outputFiles[0].text, phoneMetadata: phoneMetadataJson(), metafile: result.metafile };
}

/** The router's code as the files of its Lambda archive, by name. */
export function routerCodeFiles(bundle: Pick<RouterBundle, 'code' | 'metricsCode' | 'phoneMetadata'>): Record<string, string> {
  return { 'index.js': bundle.code, [PHONE_METADATA_FILE]: bundle.phoneMetadata, [METRICS_FILE]: bundle.metricsCode };
}

/** `npm run build`: writes dist/lambda/index.js and, beside it, the files it reads. */
export async function writeRouterBundle(outfile = BUNDLE_PATH): Promise<RouterBundle> {
  const bundle = await bundleRouter();
  const { 'index.js': code, ...beside } = routerCodeFiles(bundle);
  // What index.js reads first, so a process loading it meanwhile finds them.
  for (const [name, text] of Object.entries(beside)) writeFileAtomically(path.join(path.dirname(outfile), name), text);
  writeFileAtomically(outfile, code);
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
