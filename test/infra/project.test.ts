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
  config: Record<string, { type?: string; items?: { type?: string }; secret?: boolean }>;
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
    // `users` (a list of objects) has no type Pulumi's schema can express; it may be left out.
    const declared = Object.keys(project.config).filter((k) => k !== 'sipline:users').sort();
    expect(declared).toEqual(
      ['alarmEmail', 'allowedCountries', 'defaultCallerId', 'defaultCountry', 'domainName', 'edge', 'emergencyCalling', 'twilioAuthToken'].map((k) => `sipline:${k}`),
    );
    expect(project.config['sipline:twilioAuthToken'].secret).toBe(true);
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
});
