/**
 * Starts the sipline-twilio plugin the way the Pulumi engine does, and speaks its gRPC protocol.
 *
 * There is no Pulumi CLI or language host here, so this harness performs their steps itself
 * (pulumi/pulumi at HEAD):
 * - sdk/go/common/resource/plugin/host.go projectPluginsFromProject: Pulumi.yaml's
 *   `plugins.providers` entry becomes a project plugin whose path is the folder, made absolute
 *   against the project root;
 * - sdk/go/common/resource/plugin/plugin.go ExecPlugin: there is no `pulumi-resource-sipline-twilio`
 *   binary in that folder, so it loads the folder's PulumiPlugin.yaml and asks the runtime it
 *   names (nodejs) to RunPlugin, with args [engine address] (provider_plugin.go NewProvider), the
 *   engine's environment plus PULUMI_RUNTIME_<option>, PULUMI_PROJECT and PULUMI_CONFIG (the
 *   stack's config in the package's namespace, host.go Provider), and the engine's working
 *   directory (ctx.Pwd: the directory of Pulumi.yaml's `main`, infra/; test/pulumiHost.ts);
 * - sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin: locates
 *   `@pulumi/pulumi/cmd/run-plugin` from the plugin folder (locateModule: `node -e
 *   require.resolve(...)` with the folder as working directory), adds PULUMI_NODEJS_TYPESCRIPT=true
 *   (typescript defaults to true), and runs `node <run-plugin> <plugin folder> <args...>`;
 * - plugin.go newPlugin: reads the first line of stdout as the port (parsePort), then dials
 *   127.0.0.1:<port>; provider_plugin.go handshake: Handshake first, UNIMPLEMENTED meaning
 *   "fall back to Configure's answer"; host.go Provider: GetPluginInfo.
 * The engine address it hands the plugin is a real pulumirpc.Engine server (Log only), so the
 * plugin's log lines are observed as the engine would receive them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as structproto from 'google-protobuf/google/protobuf/struct_pb';
import * as emptyproto from 'google-protobuf/google/protobuf/empty_pb';
import * as provproto from '@pulumi/pulumi/proto/provider_pb';
import * as provrpc from '@pulumi/pulumi/proto/provider_grpc_pb';
import * as engproto from '@pulumi/pulumi/proto/engine_pb';
import * as engrpc from '@pulumi/pulumi/proto/engine_grpc_pb';
import * as statusproto from '@pulumi/pulumi/proto/status_pb';
import { parse } from 'yaml';
import * as fs from 'node:fs';
import { programDirectory, project, ROOT } from '../pulumiHost';

export { ROOT };
/** The engine's placeholder for a value not known during preview. */
export { unknownValue as UNKNOWN } from '@pulumi/pulumi/runtime/rpc';
/**
 * `secret(v)`: a value in the form the engine sends secrets to a provider that accepts them;
 * `plain(v)`: without secret wrappers at any depth (what a test compares against plain values).
 */
export { isSecret, secret, unwrapSecrets as plain } from '../../infra/provider/secrets';
import { isSecret, unwrap } from '../../infra/provider/secrets';

export type Props = Record<string, unknown>;

export interface LogLine {
  severity: string;
  message: string;
  urn: string;
}

export interface EngineStub {
  address: string;
  logs: LogLine[];
  stop(): Promise<void>;
}

/** A pulumirpc.Engine server that records Log calls; every other method is UNIMPLEMENTED. */
export async function startEngine(): Promise<EngineStub> {
  const server = new grpc.Server();
  const logs: LogLine[] = [];
  const severities = Object.fromEntries(Object.entries(engproto.LogSeverity).map(([k, v]) => [v, k]));
  server.addService(engrpc.EngineService, {
    log(call: grpc.ServerUnaryCall<engproto.LogRequest, emptyproto.Empty>, callback: grpc.sendUnaryData<emptyproto.Empty>) {
      logs.push({ severity: severities[call.request.getSeverity()], message: call.request.getMessage(), urn: call.request.getUrn() });
      callback(null, new emptyproto.Empty());
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, logs, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

/** Pulumi.yaml's project plugin for sipline-twilio, as host.go projectPluginsFromProject resolves it. */
export function projectPluginFolder(): string {
  const entry = project.plugins?.providers?.find((p) => p.name === 'sipline-twilio');
  if (!entry) throw new Error('Pulumi.yaml declares no plugins.providers entry named sipline-twilio');
  return path.resolve(ROOT, entry.path);
}

export interface StartOptions {
  /** Extra environment for the `pulumi` process (e.g. TWILIO_* for the env fallback). */
  env?: Record<string, string>;
  /**
   * The `pulumi` process's own environment: this one's without any TWILIO_* variable (so a
   * developer's shell never leaks into a test), or none at all (`empty`: only `env` and what the
   * engine and language host add), as in a CI job given no Twilio secret.
   */
  environment?: 'inherit' | 'empty';
}

export interface Plugin {
  client: provrpc.ResourceProviderClient;
  engine: EngineStub;
  stop(): Promise<void>;
}

export async function startPlugin(options: StartOptions = {}): Promise<Plugin> {
  const folder = projectPluginFolder();
  if (fs.existsSync(path.join(folder, 'pulumi-resource-sipline-twilio'))) throw new Error('a binary would be run directly, not through PulumiPlugin.yaml');
  const runtime = (parse(fs.readFileSync(path.join(folder, 'PulumiPlugin.yaml'), 'utf8')) as { runtime: string | { name: string } }).runtime;
  if ((typeof runtime === 'string' ? runtime : runtime.name) !== 'nodejs') throw new Error(`PulumiPlugin.yaml runtime is ${JSON.stringify(runtime)}, not nodejs`);

  // locateModule, exactly: the script the language host runs, from the plugin folder.
  const script = `try { console.log(require.resolve('@pulumi/pulumi/cmd/run-plugin')); } catch (error) { if (error.code === 'MODULE_NOT_FOUND') { console.error("It looks like the Pulumi SDK has not been installed. Have you run npm install in ${folder}?") } else { console.error(error.message); } process.exit(1); }`;
  const located = spawnSync(process.execPath, ['-e', script], { cwd: folder, encoding: 'utf8' });
  if (located.status !== 0) throw new Error(located.stderr);
  const runPath = located.stdout.trim();

  const engine = await startEngine();
  const inherited = options.environment === 'empty' ? {} : Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TWILIO_')));
  const env = {
    ...inherited,
    ...options.env,
    PULUMI_RUNTIME_TYPESCRIPT: 'true',
    PULUMI_PROJECT: 'sipline',
    // The stack's config; this provider reads its own from Configure, so none is given here.
    PULUMI_CONFIG: '{}',
    PULUMI_NODEJS_TYPESCRIPT: 'true',
  };
  const child: ChildProcess = spawn(process.execPath, [runPath, folder, engine.address], { cwd: programDirectory().pwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const port = await new Promise<number>((resolve, reject) => {
    let line = '';
    const timer = setTimeout(() => reject(new Error(`the plugin printed no port within 60 s:\n${stderr}`)), 60000);
    const onData = (c: Buffer) => {
      line += c.toString();
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const port = Number(line.slice(0, nl).trim());
      if (!Number.isInteger(port) || port <= 0 || port > 65535) reject(new Error(`invalid port ${JSON.stringify(line)}`));
      else resolve(port);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the plugin exited (${code}) before printing its port:\n${stderr}`));
    });
  });
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    client,
    engine,
    async stop() {
      process.removeListener('exit', killOnExit);
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      await engine.stop();
    },
  };
}

/**
 * What the engine reads from a failed Create or Update besides its message
 * (sdk/go/common/resource/plugin/provider_plugin.go parseError): a pulumirpc.ErrorResourceInitFailed
 * among the google.rpc.Status details in the `grpc-status-details-bin` trailer. With one, the
 * engine records `properties` as the resource's outputs under `id` (StatusPartialFailure) and
 * shows `reasons`; without one, it records nothing.
 */
export function initFailure(err: unknown): { id: string; properties: Props; reasons: string[] } | undefined {
  const [bin] = ((err as grpc.ServiceError).metadata?.get('grpc-status-details-bin') ?? []) as Buffer[];
  if (!bin) return undefined;
  for (const detail of statusproto.Status.deserializeBinary(new Uint8Array(bin)).getDetailsList()) {
    if (detail.getTypeName() !== 'pulumirpc.ErrorResourceInitFailed') continue;
    const f = provproto.ErrorResourceInitFailed.deserializeBinary(detail.getValue_asU8());
    return { id: f.getId(), properties: js(f.getProperties()), reasons: f.getReasonsList() };
  }
  return undefined;
}

/** A gRPC call as a promise; a failure rejects with the grpc ServiceError (code + details). */
export function call<Req, Res>(client: provrpc.ResourceProviderClient, method: string, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, res: Res) => void) => void>)[method](req, (e, res) => (e ? reject(e) : resolve(res)));
  });
}

const struct = (o: Props) => structproto.Struct.fromJavaScript(o as never);
const js = (s: structproto.Struct | undefined): Props => (s ? (s.toJavaScript() as Props) : {});

export const PROJECT_URN = 'urn:pulumi:dev::sipline';
/** The URN the program's resources get: children of the TwilioSip component. */
export const urnOf = (token: string, name: string) => `${PROJECT_URN}::sipline:index:TwilioSip$${token}::${name}`;

/** The provider's methods with the engine's message shapes (provider_plugin.go), values as JS. */
export class ProviderClient {
  constructor(readonly client: provrpc.ResourceProviderClient) {}

  async handshake(): Promise<void> {
    const req = new provproto.ProviderHandshakeRequest();
    req.setEngineAddress('127.0.0.1:1');
    await call(this.client, 'handshake', req);
  }

  async getPluginInfo(): Promise<string> {
    return (await call<emptyproto.Empty, { getVersion(): string }>(this.client, 'getPluginInfo', new emptyproto.Empty())).getVersion();
  }

  async getSchema(): Promise<string> {
    return (await call<provproto.GetSchemaRequest, provproto.GetSchemaResponse>(this.client, 'getSchema', new provproto.GetSchemaRequest())).getSchema();
  }

  /**
   * CheckConfig and DiffConfig: the engine sends the config with secrets as plain values (it
   * marshals them without KeepSecrets: provider_plugin.go CheckConfig, DiffConfig), so
   * `secret(...)` values given here go over the wire plain, as the engine sends them.
   */
  async checkConfig(news: Props, olds: Props = {}) {
    const req = new provproto.CheckRequest();
    req.setUrn(`${PROJECT_URN}::pulumi:providers:sipline-twilio::default`);
    req.setName('default');
    req.setType('pulumi:providers:sipline-twilio');
    req.setOlds(struct(unwrap(olds).values));
    req.setNews(struct(unwrap(news).values));
    const res = await call<provproto.CheckRequest, provproto.CheckResponse>(this.client, 'checkConfig', req);
    return { inputs: js(res.getInputs()), failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
  }

  /** `olds`: the provider's last inputs, which are also its outputs (the engine sends both). */
  async diffConfig(olds: Props, news: Props) {
    const req = new provproto.DiffRequest();
    req.setUrn(`${PROJECT_URN}::pulumi:providers:sipline-twilio::default`);
    req.setName('default');
    req.setType('pulumi:providers:sipline-twilio');
    req.setOlds(struct(unwrap(olds).values));
    req.setOldInputs(struct(unwrap(olds).values));
    req.setNews(struct(unwrap(news).values));
    const res = await call<provproto.DiffRequest, provproto.DiffResponse>(this.client, 'diffConfig', req);
    return { changes: res.getChanges(), diffs: res.getDiffsList() };
  }

  /** As the engine sends it: `args` (secrets in their wire form) and the deprecated `variables`. */
  async configure(args: Props, options: { variablesOnly?: boolean } = {}) {
    const req = new provproto.ConfigureRequest();
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    const vars = req.getVariablesMap();
    for (const [k, v] of Object.entries(args)) vars.set(`sipline-twilio:config:${k}`, String(isSecret(v) ? v.value : v));
    if (!options.variablesOnly) req.setArgs(struct(args));
    const res = await call<provproto.ConfigureRequest, provproto.ConfigureResponse>(this.client, 'configure', req);
    return { acceptSecrets: res.getAcceptsecrets(), supportsPreview: res.getSupportspreview() };
  }

  async check(urn: string, news: Props, olds: Props = {}) {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    req.setRandomseed(Buffer.alloc(32).toString('base64'));
    const res = await call<provproto.CheckRequest, provproto.CheckResponse>(this.client, 'check', req);
    return { inputs: js(res.getInputs()), failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
  }

  private rawDiff(urn: string, id: string, olds: Props, news: Props, oldInputs: Props = olds, ignoreChanges: string[] = []) {
    const req = new provproto.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(struct(olds));
    req.setOldInputs(struct(oldInputs));
    req.setNews(struct(news));
    req.setIgnorechangesList(ignoreChanges);
    return call<provproto.DiffRequest, provproto.DiffResponse>(this.client, 'diff', req);
  }

  /** `ignoreChanges`: the resource option's paths, which the engine sends as they are. */
  async diff(urn: string, id: string, olds: Props, news: Props, oldInputs: Props = olds, ignoreChanges: string[] = []) {
    const res = await this.rawDiff(urn, id, olds, news, oldInputs, ignoreChanges);
    const D = provproto.DiffResponse.DiffChanges;
    return {
      changes: res.getChanges() === D.DIFF_SOME ? true : res.getChanges() === D.DIFF_NONE ? false : undefined,
      replaces: res.getReplacesList(),
      diffs: res.getDiffsList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
    };
  }

  /** The detailed diff the engine displays: per property, its kind and whether inputs or outputs are compared. */
  async detailedDiff(urn: string, id: string, olds: Props, news: Props) {
    const res = await this.rawDiff(urn, id, olds, news);
    const kinds = Object.fromEntries(Object.entries(provproto.PropertyDiff.Kind).map(([k, v]) => [v, k]));
    const properties: Record<string, { kind: string; inputDiff: boolean }> = {};
    res.getDetaileddiffMap().forEach((d, k) => (properties[k] = { kind: kinds[d.getKind()], inputDiff: d.getInputdiff() }));
    return { hasDetailedDiff: res.getHasdetaileddiff(), properties };
  }

  /** `preview`: what the engine sends during `pulumi preview` to a provider that supports previews. */
  async create(urn: string, properties: Props, options: { preview?: boolean } = {}) {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(struct(properties));
    req.setPreview(options.preview ?? false);
    const res = await call<provproto.CreateRequest, provproto.CreateResponse>(this.client, 'create', req);
    return { id: res.getId(), outputs: js(res.getProperties()) };
  }

  /** Refresh form: id plus the state's outputs and inputs. Import form: the id alone. */
  async read(urn: string, id: string, state?: { outputs: Props; inputs: Props }) {
    const req = new provproto.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(struct(state?.outputs ?? {}));
    req.setInputs(struct(state?.inputs ?? {}));
    const res = await call<provproto.ReadRequest, provproto.ReadResponse>(this.client, 'read', req);
    return { id: res.getId(), outputs: js(res.getProperties()), inputs: res.hasInputs() ? js(res.getInputs()) : undefined };
  }

  async update(urn: string, id: string, olds: Props, news: Props, oldInputs: Props = olds, options: { preview?: boolean } = {}) {
    const req = new provproto.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(struct(olds));
    req.setOldInputs(struct(oldInputs));
    req.setNews(struct(news));
    req.setPreview(options.preview ?? false);
    const res = await call<provproto.UpdateRequest, provproto.UpdateResponse>(this.client, 'update', req);
    return js(res.getProperties());
  }

  async delete(urn: string, id: string, outputs: Props, oldInputs: Props = {}) {
    const req = new provproto.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(struct(outputs));
    req.setOldInputs(struct(oldInputs));
    await call(this.client, 'delete', req);
  }
}
