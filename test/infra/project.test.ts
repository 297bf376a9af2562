/** Pulumi.yaml and the program agree: entry point, project name, declared config keys. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
// Parsed leniently, so one YAML error fails one test, not the whole file.
const document = parseDocument(fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8'));
const project = document.toJS() as {
  name: string;
  main: string;
  config: Record<string, { type?: string; items?: { type?: string }; secret?: boolean; default?: unknown }>;
};
/** Pulumi's project schema (sdk/go/common/workspace/project.json, simpleConfigType). */
const CONFIG_TYPES = ['string', 'integer', 'boolean', 'array'];

describe('Pulumi.yaml', () => {
  it('is valid YAML (the Pulumi CLI parses it strictly)', () => {
    expect(document.errors.map((e) => e.message)).toEqual([]);
  });

  it('names the project sipline and points at the entry point the tests run', () => {
    expect(project.name).toBe('sipline');
    expect(path.resolve(ROOT, project.main)).toBe(path.join(ROOT, 'infra', 'index.ts'));
    // The runtime calls an exported function and awaits its outputs.
    expect(typeof require('../../infra/index')).toBe('function');
  });

  it('declares every key the program reads, the token as a secret', () => {
    // `users` (a list of objects) has no type Pulumi's schema can express, and
    // `allowedCountries` (optional, a list with no sensible default) would become required.
    const declared = Object.keys(project.config).sort();
    expect(declared).toEqual(
      [
        'alarmEmail',
        'defaultCallerId',
        'defaultCountry',
        'deleteVoicemailAfterEmail',
        'domainName',
        'edge',
        'emergencyCalling',
        'enhancedSip',
        'manageDialingPermissions',
        'secureSip',
        'twilioAccountSid',
        'twilioAuthToken',
        'voicemailApiKeySid',
        'voicemailFrom',
        'voicemailSenderIdentity',
        'voicemailTimeZone',
      ].map((k) => `sipline:${k}`),
    );
    expect(project.config['sipline:twilioAuthToken'].secret).toBe(true);
  });

  // The CLI fills in a declared default for a stack that leaves the key out: TLS and SRTP stay
  // on unless a stack turns them off.
  it('declares secureSip a boolean that defaults to true', () => {
    expect(project.config['sipline:secureSip']).toMatchObject({ type: 'boolean', default: true });
  });

  // Off unless the account has Enhanced Programmable SIP Features: then simultaneous groups are refused at preview.
  it('declares enhancedSip a boolean that defaults to false', () => {
    expect(project.config['sipline:enhancedSip']).toMatchObject({ type: 'boolean', default: false });
  });

  it('uses only top-level config types Pulumi accepts', () => {
    for (const decl of Object.values(project.config)) expect(CONFIG_TYPES).toContain(decl.type);
  });

  // Pulumi's schema has no `object` type (items may be string, integer, boolean or array), so
  // `sipline:users` cannot be typed as a list of objects.
  it('uses only item types Pulumi accepts', () => {
    for (const [key, decl] of Object.entries(project.config)) {
      if (decl.items) expect({ key, itemType: decl.items.type, accepted: CONFIG_TYPES.includes(String(decl.items.type)) }).toMatchObject({ key, accepted: true });
    }
  });

  // Pulumi requires every typed key of the project's namespace that has no default
  // (workspace mergeConfig): a stack file that leaves one out fails before the program runs.
  it('requires only keys every stack file sets (secrets are set with pulumi config set --secret)', () => {
    const required = Object.entries(project.config)
      .filter(([, decl]) => decl.type !== undefined && decl.default === undefined && !decl.secret)
      .map(([key]) => key);
    expect(required).toEqual(['sipline:domainName']);
    for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[\w-]+\.yaml$/.test(f))) {
      const stackConfig = (parseDocument(fs.readFileSync(path.join(ROOT, file), 'utf8')).toJS() as { config?: Record<string, unknown> }).config ?? {};
      for (const key of required) expect({ file, key, set: key in stackConfig }).toEqual({ file, key, set: true });
    }
  });

  it('gives optional string keys an empty default, which the program reads as unset', () => {
    const { parseStackConfig } = require('../../infra/config') as typeof import('../../infra/config');
    const config = parseStackConfig({ domainName: 'acme', users: [{ username: 'bob' }], defaultCallerId: '', edge: '', alarmEmail: '' });
    expect(config).not.toHaveProperty('edge');
    expect(config).not.toHaveProperty('alarmEmail');
    expect(config).not.toHaveProperty('defaultCallerId');
  });

  // The CLI runs the program from infra/ (Pulumi.yaml's `main`), not from the project root.
  it('finds the stack file from the program, whatever the working directory', () => {
    const { stackConfigPath } = require('../../infra/config') as typeof import('../../infra/config');
    const cwd = process.cwd();
    try {
      process.chdir(path.join(ROOT, 'infra'));
      expect(stackConfigPath('dev')).toBe(path.join(ROOT, 'Pulumi.dev.yaml'));
      expect(fs.existsSync(stackConfigPath('dev'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});
