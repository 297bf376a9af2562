/**
 * Does a stack file hold every secret the stack needs? CI runs `pulumi preview`, `refresh` and
 * `up` on a clean checkout, where the stack's config is whatever `Pulumi.<stack>.yaml` in git
 * says. The Pulumi practice is to commit secrets encrypted: `pulumi config set --secret` writes
 * `secure: v1:...` into the file, encrypted by the stack's secrets provider, and the workflows'
 * PULUMI_ACCESS_TOKEN lets the CLI decrypt it. A secret that was only ever set on someone's laptop
 * is missing there, and Pulumi refuses the stack (workspace mergeConfig: a typed key with no
 * default is required); this check says so first, with the command to run and the file to commit.
 *
 * Which secrets: the `secret: true` keys Pulumi.yaml declares without a default (today
 * sipline:twilioAuthToken), read from Pulumi.yaml itself so the check and Pulumi agree; and
 * sipline:voicemailApiKeySecret when a mailbox of the stack asks for voicemail by email (the
 * program refuses the stack without it, config.ts missingVoicemailSettings).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { asksForVoicemailEmail, CONFIG_NAMESPACE, ConfigError, isEncrypted, readStackFile, siplineValues, stackConfigPath, type StackFile } from './config';

export interface ProjectConfigDeclaration {
  type?: string;
  secret?: boolean;
  default?: unknown;
}

/** Pulumi.yaml, as far as this check and the tests that start the project (test/pulumiHost.ts) read it. */
export interface ProjectFile {
  name: string;
  main?: string;
  runtime?: string | { name: string; options?: Record<string, unknown> };
  config?: Record<string, ProjectConfigDeclaration>;
  plugins?: { providers?: Array<{ name: string; path: string }> };
}

export function readProjectFile(file = path.resolve(__dirname, '..', 'Pulumi.yaml')): ProjectFile {
  return parse(fs.readFileSync(file, 'utf8')) as ProjectFile;
}

/**
 * The keys, with their namespace, that this stack must set as secrets: those every stack must
 * (Pulumi.yaml), and those its own settings ask for (`file`, when given).
 */
export function requiredSecretKeys(project: ProjectFile, file?: StackFile): string[] {
  const declared = Object.entries(project.config ?? {})
    .filter(([, decl]) => decl.secret === true && decl.default === undefined)
    .map(([key]) => (key.includes(':') ? key : `${project.name}:${key}`));
  return file && asksForVoicemailEmail(siplineValues(file)) ? [...declared, `${CONFIG_NAMESPACE}:voicemailApiKeySecret`] : declared;
}

export interface SecretsCheck {
  /** Secrets missing or in clear text: the workflow stops. Each says what to run and commit. */
  problems: string[];
  /** What could not be checked (a key a Pulumi ESC environment may supply). */
  notices: string[];
}

/**
 * Checks one stack file. `stack` is the stack as the workflow names it (`org/dev` or `dev`): the
 * commands it prints use it as is. Pulumi merges the config of the ESC environments a stack file
 * lists under `environment:` into the stack's: a key missing from such a file is only noted.
 */
export function checkStackSecrets(stack: string, file: StackFile, project: ProjectFile): SecretsCheck {
  const importsEscEnvironment = file.environment !== undefined;
  const problems: string[] = [];
  const notices: string[] = [];
  for (const key of requiredSecretKeys(project, file)) {
    // `pulumi config set` takes a key of the project's namespace without it.
    const short = key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : key;
    const set = `pulumi config set --secret ${short} --stack ${stack}`;
    const value = file.config[key];
    if (value === undefined && importsEscEnvironment) {
      notices.push(`${file.name} does not set ${key}; the Pulumi ESC environment it imports must (not checked here).`);
    } else if (value === undefined) {
      problems.push(
        `${file.name} does not hold ${key}, which pulumi preview, refresh and up of stack ${stack} need. Run\n` +
          `    ${set}\n` +
          `(it prompts for the value) and commit ${file.name}: the value is stored encrypted (secure: v1:...) by the stack's secrets provider, and CI decrypts it with PULUMI_ACCESS_TOKEN.`,
      );
    } else if (!isEncrypted(value)) {
      problems.push(
        `${file.name} holds ${key} in clear text. Run\n` +
          `    ${set}\n` +
          `(it prompts for the value, and replaces the clear text with an encrypted value), commit ${file.name}, and rotate the secret: the clear text is in git's history.`,
      );
    }
  }
  return { problems, notices };
}

/**
 * The stack's name (the last part of `name`, `org/name` or `org/project/name`, as Pulumi takes
 * them), refusing a name with an empty part. The workflows build `${{ vars.PULUMI_ORG }}/<stack>`,
 * and an unset variable expands to nothing: `/dev` would otherwise pass here and fail later in
 * `pulumi`, or pick the CLI's default organization, so it is refused naming the variable.
 */
export function stackNameOf(stack: string): string {
  const parts = stack.split('/');
  if (parts.length > 3) throw new ConfigError(`"${stack}" is not a stack name: write it as <stack>, <org>/<stack> or <org>/<project>/<stack>`);
  if (parts.length > 1 && parts[0] === '') {
    throw new ConfigError(
      `"${stack}" names no Pulumi organization: the workflows write it as <PULUMI_ORG>/<stack>, and the variable PULUMI_ORG is unset or empty. Set PULUMI_ORG (Settings > Secrets and variables > Actions > Variables, or on the job's environment) to the organization that owns the stacks`,
    );
  }
  if (parts.some((p) => p === '')) throw new ConfigError(`"${stack}" has an empty part: write it as <stack>, <org>/<stack> or <org>/<project>/<stack>`);
  return parts[parts.length - 1];
}

/** Reads Pulumi.<stack>.yaml (the last part of `org/project/stack`) and checks it. */
export function checkStackFile(stack: string, project = readProjectFile()): SecretsCheck {
  return checkStackSecrets(stack, readStackFile(stackConfigPath(stackNameOf(stack))), project);
}
