/**
 * Serves the provider with @pulumi/pulumi/provider's `main`, plus the configuration methods the
 * SDK's server leaves out.
 *
 * The SDK's server (node_modules/@pulumi/pulumi/provider/server.js) answers CheckConfig and
 * DiffConfig with UNIMPLEMENTED (the engine then takes the config as is and reports the provider
 * "changed, unknown"; provider_plugin.go CheckConfig/DiffConfig), and its `configure` ignores
 * the request, so stack config (`sipline-twilio:authToken`...) would never reach the provider.
 * Its Server class is not exported, so this module wraps the implementation object that `main`
 * registers with grpc-js, during that one call: `main` builds the server and calls
 * `addService(ResourceProviderService, new Server(...))` synchronously, before its first await.
 * The wrapper keeps every SDK method and replaces checkConfig, diffConfig, configure, diff
 * (to report which properties change, which the SDK's leaves out), and create and update for
 * previews (which the SDK's would run for real).
 */
import * as path from 'node:path';
import { main } from '@pulumi/pulumi/provider';
import * as structproto from 'google-protobuf/google/protobuf/struct_pb';
import * as provproto from '@pulumi/pulumi/proto/provider_pb';
import * as provrpc from '@pulumi/pulumi/proto/provider_grpc_pb';
import * as engproto from '@pulumi/pulumi/proto/engine_pb';
import * as engrpc from '@pulumi/pulumi/proto/engine_grpc_pb';
import { CONFIG_KEYS, configFailures, fromVariables, resolveConfig, SECRET_CONFIG_KEYS, type ConfigKey } from './providerConfig';
import { detailedDiff } from './common';
import type { EngineLog, TwilioProvider } from './provider';
import { unwrap, wrap } from './secrets';

// The grpc-js instance the SDK's server uses (resolved from @pulumi/pulumi, not from here).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [path.dirname(require.resolve('@pulumi/pulumi/provider'))] })) as typeof import('@grpc/grpc-js');

type Callback<T> = (err: unknown, value?: T | null) => void;
interface Call<T> {
  request: T;
}

/**
 * The engine's address from the plugin's arguments, as the SDK parses them
 * (@pulumi/pulumi/provider/internals parseArgs): the engine may put `--logtostderr`, `-v=N` and
 * `--tracing <endpoint>` first (plugin.go buildPluginArguments), then its address.
 */
export function engineAddress(args: string[]): string | undefined {
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--logtostderr' || args[i].startsWith('-v=')) continue;
    if (args[i] === '--tracing') {
      i++;
      continue;
    }
    rest.push(args[i]);
  }
  return rest[0];
}

/**
 * Log lines for the engine (pulumirpc.Engine Log), attached to the resource's URN. A resource
 * plugin's own stdout/stderr reach the user only at debug level (plugin.go newPlugin hides
 * unstructured output), so anything a user should read goes this way.
 */
export function engineLogger(address: string | undefined): EngineLog {
  if (!address) return () => undefined;
  const engine = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
  return (severity, message, urn) => {
    const req = new engproto.LogRequest();
    req.setSeverity(severity === 'warning' ? engproto.LogSeverity.WARNING : engproto.LogSeverity.INFO);
    req.setMessage(message);
    req.setUrn(urn);
    // Best effort: a log line that cannot be delivered must not fail the operation.
    engine.log(req, () => undefined);
  };
}

const toJs = (s: structproto.Struct | undefined): Record<string, unknown> => (s ? (s.toJavaScript() as Record<string, unknown>) : {});

/** The SDK's method for a gRPC method name (its Server instance, `this` kept by the call). */
type SdkServer = Record<string, (call: unknown, callback: unknown) => void>;

function configOverrides(provider: TwilioProvider, sdk: SdkServer) {
  return {
    /**
     * Validates the stack's `sipline-twilio:*` config (with the environment's fallback); secrets
     * come back secret. Malformed values fail; missing credentials do not (a preview needs none,
     * providerConfig.ts configFailures), and are reported by the first API operation.
     *
     * CheckConfig and DiffConfig get every value plain: the engine marshals their properties
     * without KeepSecrets, whatever the provider accepts (provider_plugin.go CheckConfig,
     * DiffConfig), and annotates the secrets back itself. So there is nothing to unwrap here
     * (unlike Configure, whose args keep their secrets).
     */
    checkConfig(call: Call<provproto.CheckRequest>, callback: Callback<provproto.CheckResponse>) {
      const news = toJs(call.request.getNews());
      const resp = new provproto.CheckResponse();
      // Only what the config gave goes back: an environment value never lands in state.
      resp.setInputs(structproto.Struct.fromJavaScript(wrap(news, SECRET_CONFIG_KEYS) as never));
      resp.setFailuresList(
        configFailures(news as Partial<Record<ConfigKey, unknown>>).map((f) => {
          const failure = new provproto.CheckFailure();
          failure.setProperty(f.property);
          failure.setReason(f.reason);
          return failure;
        }),
      );
      callback(null, resp);
    },

    /** A config change never replaces the provider (nor, through it, every Twilio object). */
    diffConfig(call: Call<provproto.DiffRequest>, callback: Callback<provproto.DiffResponse>) {
      const olds = toJs(call.request.getOlds());
      const news = toJs(call.request.getNews());
      const diffs = CONFIG_KEYS.filter((k) => olds[k] !== news[k]);
      const resp = new provproto.DiffResponse();
      resp.setChanges(diffs.length ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
      resp.setDiffsList(diffs);
      callback(null, resp);
    },

    /** Resolves the configuration (args, else the deprecated variables, else the environment), credentials or not. */
    configure(call: Call<provproto.ConfigureRequest>, callback: Callback<provproto.ConfigureResponse>) {
      try {
        const args = call.request.getArgs();
        const given = args ? unwrap(toJs(args)).values : fromVariables(call.request.getVariablesMap().entries() as Iterable<[string, string]>);
        provider.configure(resolveConfig(given as Partial<Record<ConfigKey, unknown>>));
      } catch (e) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: (e as Error).message });
        return;
      }
      const resp = new provproto.ConfigureResponse();
      // Secrets travel in the engine's secret form both ways (secrets.ts); resource references
      // and output values are not used by these resources.
      resp.setAcceptsecrets(true);
      resp.setAcceptresources(false);
      resp.setAcceptoutputs(false);
      callback(null, resp);
    },

    /**
     * A Create or Update marked `preview` changes nothing: it is answered with the inputs as the
     * outputs, the answer the engine itself gives for a provider that does not support previews
     * (provider_plugin.go Create/Update: `!protocol.supportsPreview` returns req.Properties /
     * req.NewInputs), and the SDK's server would otherwise run it for real (its create and
     * update never look at the flag).
     *
     * supportsPreview must stay false (ConfigureResponse: neither the SDK's configure nor ours
     * sets it): the engine then answers preview Creates and Updates itself and never sends them
     * here, so no preview depends on this guard. Claiming support would gain nothing (this
     * provider has no preview outputs better than its inputs: a sid, `previous`, the
     * permissions Twilio reports are only known from Twilio) and would leave this guard alone
     * between every preview and Twilio. It is here for the engine's other route: it takes a
     * provider that answers Handshake to support previews (provider_plugin.go handshake:
     * supportsPreview: true), so an SDK that starts answering Handshake would send every
     * preview Create and Update to this plugin, and none may reach Twilio.
     */
    create(call: Call<provproto.CreateRequest>, callback: Callback<provproto.CreateResponse>) {
      if (!call.request.getPreview()) return sdk.create(call, callback);
      const resp = new provproto.CreateResponse();
      resp.setId('');
      resp.setProperties(call.request.getProperties());
      callback(null, resp);
    },

    update(call: Call<provproto.UpdateRequest>, callback: Callback<provproto.UpdateResponse>) {
      if (!call.request.getPreview()) return sdk.update(call, callback);
      const resp = new provproto.UpdateResponse();
      resp.setProperties(call.request.getNews());
      callback(null, resp);
    },

    /**
     * Like the SDK's diff, plus which properties change, so previews say what changes, and
     * without the properties the resource's ignoreChanges lists (which the SDK drops).
     */
    diff(call: Call<provproto.DiffRequest>, callback: Callback<provproto.DiffResponse>) {
      const req = call.request;
      const olds = toJs(req.getOlds());
      const news = toJs(req.getNews());
      provider.diff(req.getId(), req.getUrn(), olds, news, req.getIgnorechangesList()).then(
        (result) => {
          const resp = new provproto.DiffResponse();
          resp.setChanges(result.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
          resp.setReplacesList(result.replaces);
          resp.setDeletebeforereplace(result.deleteBeforeReplace);
          resp.setDiffsList(result.diffs);
          const detailed = resp.getDetaileddiffMap();
          for (const [key, { kind, inputDiff }] of Object.entries(detailedDiff(olds, news, result))) {
            const d = new provproto.PropertyDiff();
            d.setKind(provproto.PropertyDiff.Kind[kind as keyof typeof provproto.PropertyDiff.Kind]);
            d.setInputdiff(inputDiff);
            detailed.set(key, d);
          }
          resp.setHasdetaileddiff(true);
          callback(null, resp);
        },
        (err: unknown) => callback(err),
      );
    },
  };
}

/**
 * `main(provider, args)` with the configuration methods above. Resolves once the server is
 * listening and has printed its port (what the engine reads from stdout).
 */
export async function serve(provider: TwilioProvider, args: string[]): Promise<void> {
  const addService = grpc.Server.prototype.addService;
  let wrapped = false;
  grpc.Server.prototype.addService = function (this: unknown, service: unknown, implementation: Record<string, unknown>) {
    if (service === provrpc.ResourceProviderService) {
      // The SDK's methods stay reachable (and keep their `this`) through the prototype.
      implementation = Object.assign(Object.create(implementation), configOverrides(provider, implementation as SdkServer));
      wrapped = true;
    }
    return addService.call(this, service as never, implementation as never);
  } as typeof addService;
  let started: Promise<void>;
  try {
    started = main(provider, args);
  } finally {
    grpc.Server.prototype.addService = addService;
  }
  if (!wrapped) throw new Error('@pulumi/pulumi/provider main did not register the ResourceProvider service synchronously; sipline-twilio cannot add Configure');
  await started;
}
