/**
 * The program's resource classes (infra/twilio/resources.ts) and the validation rules both sides
 * share (infra/twilio/validate.ts) against the provider's package schema
 * (infra/provider/schema.json): the same tokens, input and output property names, which inputs
 * are required, and the same kinds of values. The classes' TypeScript declarations are read with
 * the compiler's own parser, so a property added on one side only fails here. (Which properties
 * a class registers as outputs and as secrets it reads from the schema itself:
 * test/twilio/resources.test.ts checks what it registers.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as resources from '../../infra/twilio/resources';
import { TWILIO_TYPES } from '../../infra/twilio/types';
import { CREDENTIAL, CREDENTIAL_LIST, CREDENTIAL_LIST_MAPPING, PHONE_NUMBER, SIP_DOMAIN, VOICE_DIALING_PERMISSIONS, type ResourceRules } from '../../infra/twilio/validate';
import { ROOT } from './plugin';

interface SchemaProperty {
  type: string;
  secret?: boolean;
}
interface SchemaResource {
  inputProperties: Record<string, SchemaProperty>;
  requiredInputs: string[];
  properties: Record<string, SchemaProperty>;
  required: string[];
}
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/provider/schema.json'), 'utf8')) as { resources: Record<string, SchemaResource>; config: { variables: Record<string, SchemaProperty> } };

interface Member {
  optional: boolean;
  kind: string;
}
interface Declared {
  token: string;
  outputs: Record<string, Member>;
  args: Record<string, Member>;
}

/** The kind of value a TypeScript type denotes, in the schema's words. */
function kindOf(type: string): string {
  if (/\[\]/.test(type)) return 'array';
  if (/Record</.test(type)) return 'object';
  if (/boolean/.test(type)) return 'boolean';
  return 'string';
}

/** Each resource class in resources.ts (a class with a static `__pulumiType`), with its token at run time. */
function declaredClasses(): Declared[] {
  const file = path.join(ROOT, 'infra/twilio/resources.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = new Map<string, Record<string, Member>>();
  const classes: Array<{ name: string; outputs: Record<string, Member>; argsType: string }> = [];
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) {
      const members: Record<string, Member> = {};
      for (const m of node.members) if (ts.isPropertySignature(m)) members[m.name.getText()] = { optional: !!m.questionToken, kind: kindOf(m.type!.getText()) };
      interfaces.set(node.name.text, members);
    }
    if (ts.isClassDeclaration(node) && node.members.some((m) => ts.isPropertyDeclaration(m) && m.name.getText() === '__pulumiType')) {
      let argsType = '';
      const outputs: Record<string, Member> = {};
      for (const m of node.members) {
        if (ts.isPropertyDeclaration(m) && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword)) {
          const type = m.type!.getText();
          outputs[m.name.getText()] = { optional: /undefined/.test(type), kind: kindOf(type) };
        } else if (ts.isConstructorDeclaration(m)) argsType = m.parameters[1].type!.getText();
      }
      classes.push({ name: node.name!.text, outputs, argsType });
    }
  });
  const tokenOf = (name: string) => (resources as unknown as Record<string, { __pulumiType: string }>)[name].__pulumiType;
  return classes.map((c) => ({ token: tokenOf(c.name), outputs: c.outputs, args: interfaces.get(c.argsType)! }));
}

const declared = declaredClasses();
const kinds = (props: Record<string, SchemaProperty>) => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.type]));
const kindsOf = (members: Record<string, Member>) => Object.fromEntries(Object.entries(members).map(([k, m]) => [k, m.kind]));

describe('the resource classes follow the package schema', () => {
  it('declare one class per schema resource, by token (TWILIO_TYPES lists the same tokens)', () => {
    expect(declared.map((d) => d.token).sort()).toEqual(Object.keys(schema.resources).sort());
    expect(Object.values(TWILIO_TYPES).sort()).toEqual(Object.keys(schema.resources).sort());
  });

  it.each(declared.map((d) => [d.token, d] as const))('%s: same inputs, required inputs and kinds of values', (token, d) => {
    const r = schema.resources[token];
    expect(kindsOf(d.args)).toEqual(kinds(r.inputProperties));
    expect(Object.keys(d.args).filter((k) => !d.args[k].optional).sort()).toEqual([...r.requiredInputs].sort());
  });

  it.each(declared.map((d) => [d.token, d] as const))('%s: same outputs, and those always present', (token, d) => {
    const r = schema.resources[token];
    expect(kindsOf(d.outputs)).toEqual(kinds(r.properties));
    for (const name of r.required) expect({ name, optional: d.outputs[name].optional }).toEqual({ name, optional: false });
  });

  it('mark only the password secret (the class reads the secrets from here)', () => {
    const secretInSchema = Object.entries(schema.resources).flatMap(([token, r]) =>
      [...new Set([...Object.entries(r.properties), ...Object.entries(r.inputProperties)].filter(([, p]) => p.secret).map(([k]) => `${token}.${k}`))],
    );
    expect(secretInSchema).toEqual(['sipline-twilio:index:Credential.password']);
  });

  it('the provider config marks the auth token and the API secret secret', () => {
    expect(Object.entries(schema.config.variables).filter(([, v]) => v.secret).map(([k]) => k)).toEqual(['apiSecret', 'authToken']);
  });
});

describe('the validation rules (shared by the classes and the provider\'s Check) follow the package schema', () => {
  const RULES: Record<string, ResourceRules> = {
    'sipline-twilio:index:SipDomain': SIP_DOMAIN,
    'sipline-twilio:index:CredentialList': CREDENTIAL_LIST,
    'sipline-twilio:index:Credential': CREDENTIAL,
    'sipline-twilio:index:RegistrationCredentialListMapping': CREDENTIAL_LIST_MAPPING,
    'sipline-twilio:index:CallCredentialListMapping': CREDENTIAL_LIST_MAPPING,
    'sipline-twilio:index:PhoneNumberVoiceConfig': PHONE_NUMBER,
    'sipline-twilio:index:VoiceDialingPermissions': VOICE_DIALING_PERMISSIONS,
  };

  it('one rules table per schema resource', () => {
    expect(Object.keys(RULES).sort()).toEqual(Object.keys(schema.resources).sort());
  });

  it.each(Object.entries(RULES))('%s: a rule for every input, and the same required inputs', (token, rules) => {
    expect(Object.keys(rules.rules).sort()).toEqual(Object.keys(schema.resources[token].inputProperties).sort());
    expect([...rules.required].sort()).toEqual([...schema.resources[token].requiredInputs].sort());
  });
});
