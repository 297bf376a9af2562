/**
 * The program as `pulumi up` runs it. Pulumi's own entry point for Node.js programs
 * (@pulumi/pulumi/cmd/run, the code that registers ts-node and requires Pulumi.yaml's `main`) is
 * started the way the Node.js language host starts it (pulumi/pulumi
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go: constructArguments, execRuntime, parseOptions;
 * pkg/engine/project.go getPwdMain for the directory), and speaks gRPC to a resource monitor:
 * here SiplineMocks behind Pulumi's own MockMonitor, where `pulumi up` has the engine.
 *
 * So what is checked is what deploys: which tsconfig.json ts-node finds from infra/, the
 * compiler options it type-checks every module with, and that the program then runs to its
 * outputs. A probe loaded with `node --require` (tsnode-probe.js) reads ts-node's options; it
 * changes nothing.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type * as grpcTypes from '@grpc/grpc-js';
import { ResourceMonitorService } from '@pulumi/pulumi/proto/resource_grpc_pb';
import { SupportsFeatureResponse } from '@pulumi/pulumi/proto/resource_pb';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import * as ts from 'typescript';
import { readStackFile } from '../../infra/config';
import { SiplineMocks } from '../../infra/mocks';
import { programDirectory, project, ROOT } from '../pulumiHost';
import { API_KEY_SECRET } from './fixtures';

// gRPC and protobuf as @pulumi/pulumi itself loads them (its dependencies, not the project's).
const fromPulumi = createRequire(require.resolve('@pulumi/pulumi'));
const grpc = fromPulumi('@grpc/grpc-js') as typeof grpcTypes;
const { Empty } = fromPulumi('google-protobuf/google/protobuf/empty_pb') as { Empty: new () => unknown };
const RUN = require.resolve('@pulumi/pulumi/cmd/run');
const PROBE = path.join(__dirname, 'tsnode-probe.js');
const TOKEN = '0123456789abcdef0123456789abcdef';

const runtimeOptions = typeof project.runtime === 'object' ? (project.runtime.options ?? {}) : {};

/** main.go parseOptions + execRuntime: `typescript` defaults to true; `tsconfig` is passed as is. */
function languageHostEnv(options: Record<string, unknown>): Record<string, string> {
  return {
    ...(options.typescript === false ? {} : { PULUMI_NODEJS_TYPESCRIPT: 'true' }),
    ...(typeof options.tsconfig === 'string' ? { PULUMI_NODEJS_TSCONFIG_PATH: options.tsconfig } : {}),
  };
}

/**
 * PULUMI_CONFIG as the CLI hands it over for the dev stack: the stack file's values, Pulumi.yaml's
 * defaults for keys it leaves out (workspace mergeConfig), every value a string (objects as JSON).
 * The dev stack ships without its token; the one a user sets is added, and marked secret.
 */
function devStackConfig(): { config: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, unknown> = { ...readStackFile(path.join(ROOT, 'Pulumi.dev.yaml')).config, 'sipline:twilioAuthToken': TOKEN, 'sipline:voicemailApiKeySecret': API_KEY_SECRET };
  for (const [key, decl] of Object.entries(project.config ?? {})) if (!(key in values) && decl.default !== undefined) values[key] = decl.default;
  const config = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return { config, secretKeys: ['sipline:twilioAuthToken', 'sipline:voicemailApiKeySecret'] };
}

/** A ResourceMonitor gRPC server: Pulumi's MockMonitor over SiplineMocks. */
async function startMonitor(mocks: SiplineMocks): Promise<{ address: string; monitor: MockMonitor; stop: () => void }> {
  // MockMonitor names resources after the project and stack the runtime is set to here.
  await pulumi.runtime.setMocks(mocks, project.name, 'dev', false);
  const monitor = new MockMonitor(mocks);
  const delegate = monitor as unknown as Record<string, (request: unknown, callback: grpcTypes.sendUnaryData<unknown>) => void>;
  const server = new grpc.Server();
  const handlers: grpcTypes.UntypedServiceImplementation = {};
  for (const method of Object.keys(ResourceMonitorService)) {
    handlers[method] = (call: grpcTypes.ServerUnaryCall<{ getId(): string }, unknown>, callback: grpcTypes.sendUnaryData<unknown>) => {
      if (method === 'supportsFeature') {
        // MockMonitor answers with a plain object; gRPC needs the message. Same answer: every
        // feature but outputValues.
        const response = new SupportsFeatureResponse();
        response.setHassupport(call.request.getId() !== 'outputValues');
        callback(null, response);
      } else if (method === 'registerResourceOutputs') {
        // Same: MockMonitor's `{}` is no Empty message.
        delegate.registerResourceOutputs(call.request, (error) => callback(error, new Empty()));
      } else if (typeof delegate[method] === 'function') {
        delegate[method](call.request, callback);
      } else {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${method}: sipline makes no such call` });
      }
    };
  }
  server.addService(ResourceMonitorService, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { address: `127.0.0.1:${port}`, monitor, stop: () => server.forceShutdown() };
}

interface Probe {
  configFilePath: string | null;
  transpileOnly: boolean;
  compilerOptions: ts.CompilerOptions;
}

interface Run {
  code: number | null;
  output: string;
  probe: Probe;
}

/**
 * Starts @pulumi/pulumi/cmd/run as the language host does (main.go constructArguments):
 * `node <run> --monitor <addr> --project <p> --root-directory <root> --stack <s> --pwd <dir> <entry>`,
 * with PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS and the runtime options' variables.
 */
async function runAsPulumi(address: string, options: Record<string, unknown>): Promise<Run> {
  const { pwd, entryPoint } = programDirectory(project.main);
  const { config, secretKeys } = devStackConfig();
  const args = [RUN, '--monitor', address, '--project', project.name, '--root-directory', ROOT, '--stack', 'dev', '--pwd', pwd, entryPoint];
  const env = { PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys), ...languageHostEnv(options) };
  return runProbed(args, ROOT, env, false);
}

/**
 * `node --require tsnode-probe.js <args>` in `cwd`, with `env` on top of an environment without
 * jest's or the shell's TypeScript and Pulumi settings; what it printed and what the probe saw.
 */
async function runProbed(args: string[], cwd: string, env: Record<string, string>, exitAfterTsNode: boolean): Promise<Run> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-run-')), 'probe.json');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TS_NODE_|PULUMI_|NODE_OPTIONS$)/.test(k)));
  const child = spawn(process.execPath, ['--require', PROBE, ...args], {
    cwd,
    env: { ...inherited, ...env, TSNODE_PROBE_OUT: out, ...(exitAfterTsNode ? { TSNODE_PROBE_EXIT: '1' } : {}) },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const probe = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as Probe) : ({} as Probe);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return { code, output, probe };
}

/**
 * tsconfig.json's compiler options as TypeScript reads them (the form ts-node's service holds),
 * but noEmit: ts-node must emit, and tsc alone needs it.
 */
function projectCompilerOptions(): ts.CompilerOptions {
  const file = path.join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(file, ts.sys.readFile);
  const { noEmit: _tscOnly, configFilePath: _file, ...options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options;
  return options;
}

/** Of the options ts-node compiles with, those the project's tsconfig.json sets. */
function pick(actual: ts.CompilerOptions): ts.CompilerOptions {
  return Object.fromEntries(Object.keys(projectCompilerOptions()).map((key) => [key, actual[key]]));
}

describe('the policy pack as `pulumi preview --policy-pack policy` runs it (@pulumi/pulumi/cmd/run-policy-pack)', () => {
  // main.go RunPlugin: `node <run-policy-pack> <engine address> <pack directory>`, working
  // directory the pack's. The probe stops it once ts-node is set up: the options are the point.
  it("compiles the pack, type-checked, with every compiler option the project's tsconfig.json sets", async () => {
    const policy = path.join(ROOT, 'policy');
    const { probe } = await runProbed([require.resolve('@pulumi/pulumi/cmd/run-policy-pack'), '127.0.0.1:1', policy], policy, {}, true);
    expect(probe.transpileOnly).toBe(false);
    expect(probe.configFilePath).toBe(path.join(policy, 'tsconfig.json'));
    expect(pick(probe.compilerOptions)).toEqual(projectCompilerOptions());
  }, 60_000);
});

describe('the program as the Pulumi CLI runs it (Pulumi.yaml runtime options, @pulumi/pulumi/cmd/run, ts-node)', () => {
  const mocks = new SiplineMocks();
  let server: Awaited<ReturnType<typeof startMonitor>>;
  let run: Run;

  beforeAll(async () => {
    server = await startMonitor(mocks);
    run = await runAsPulumi(server.address, runtimeOptions);
  }, 180_000);
  afterAll(() => server?.stop());

  it('runs from infra/, the directory of Pulumi.yaml main', () => {
    expect(programDirectory(project.main)).toEqual({ pwd: path.join(ROOT, 'infra'), entryPoint: 'index.ts' });
  });

  it("compiles with infra/tsconfig.json, found from infra/, which extends the project's", () => {
    expect(run.probe.configFilePath).toBe(path.join(ROOT, 'infra', 'tsconfig.json'));
  });

  it('type-checks every module it loads (not transpile-only), with every compiler option tsconfig.json sets', () => {
    expect(run.probe.transpileOnly).toBe(false);
    expect(Object.keys(projectCompilerOptions())).toEqual(expect.arrayContaining(['strict', 'noUnusedLocals', 'noImplicitOverride', 'module', 'target', 'lib']));
    expect(pick(run.probe.compilerOptions)).toEqual(projectCompilerOptions());
  });

  it('runs to the end: every resource registered with the monitor, and the stack outputs', () => {
    expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
    expect(mocks.resources.filter((r) => r.custom).length).toBeGreaterThanOrEqual(38);
    // The router, its fallback, and the voicemail worker (the dev stack emails voicemails).
    expect(mocks.ofType('aws:lambda/function:Function')).toHaveLength(3);
    const stack = server.monitor.resources.get(`urn:pulumi:dev::${project.name}::pulumi:pulumi:Stack::${project.name}-dev`);
    const outputs = (stack?.state as { toJavaScript(): Record<string, unknown> }).toJavaScript();
    expect(Object.keys(outputs).sort()).toEqual(['alarmTopicArn', 'apiUrl', 'dashboardUrl', 'fallbackLogGroup', 'registrar', 'registrations', 'routerFunctionName', 'routerLogGroup', 'sipDomain', 'voicemailDeadLetterQueueArn', 'voicemailLogGroup']);
  });
});

describe('the sipline-twilio provider plugin as the engine runs it (@pulumi/pulumi/cmd/run-plugin, ts-node)', () => {
  // plugin.go ExecPlugin -> main.go RunPlugin: `node <run-plugin> <plugin folder> <engine
  // address>`, in the engine's working directory (the program's, infra/). The probe stops it
  // once ts-node is set up: the options are the point (test/twilio/* drive the running plugin).
  it("compiles the plugin, type-checked, with every compiler option the project's tsconfig.json sets", async () => {
    const entry = project.plugins?.providers?.find((p) => p.name === 'sipline-twilio');
    expect(entry).toBeDefined();
    const { pwd } = programDirectory();
    const { probe } = await runProbed([require.resolve('@pulumi/pulumi/cmd/run-plugin'), path.resolve(ROOT, entry!.path), '127.0.0.1:1'], pwd, { PULUMI_NODEJS_TYPESCRIPT: 'true' }, true);
    expect(probe.transpileOnly).toBe(false);
    expect(probe.configFilePath).toBe(path.join(ROOT, 'infra', 'tsconfig.json'));
    expect(pick(probe.compilerOptions)).toEqual(projectCompilerOptions());
  }, 60_000);
});
