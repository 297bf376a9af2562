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

/**
 * libphonenumber-js's `max` metadata is 157 KB of JSON, two thirds of the bundle budget; it
 * is the only metadata with number types, which the toll-fraud guard needs. Embedding it
 * brotli-compressed keeps all of it at a fifth of the size; inflating it costs about a
 * millisecond once per cold start.
 */
const compressedPhoneMetadata: esbuild.Plugin = {
  name: 'compressed-phone-metadata',
  setup(build) {
    build.onResolve({ filter: /^libphonenumber-js\/metadata\.max\.json$/ }, () => ({
      path: 'libphonenumber-js/metadata.max.json',
      namespace: 'compressed-phone-metadata',
    }));
    build.onLoad({ filter: /.*/, namespace: 'compressed-phone-metadata' }, () => {
      const json = fs.readFileSync(require.resolve('libphonenumber-js/metadata.max.json'));
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

/** Builds the router bundle in memory. `plugins` come first (the benchmark's baseline uses one). */
export async function bundleRouter(plugins: esbuild.Plugin[] = []): Promise<RouterBundle> {
  const result = await esbuild.build({
    entryPoints: [ROUTER_ENTRY],
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
    plugins: [...plugins, compressedPhoneMetadata, prebuiltTwimlShapes],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0].text, metafile: result.metafile };
}

/** `npm run build`: writes dist/lambda/index.js. */
export async function writeRouterBundle(outfile = BUNDLE_PATH): Promise<RouterBundle> {
  const bundle = await bundleRouter();
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  // A temporary file and a rename: a process loading the bundle meanwhile never reads half of it.
  const temporary = `${outfile}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, bundle.code);
  fs.renameSync(temporary, outfile);
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
