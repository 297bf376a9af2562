/** `npm run plan -- dev`: the offline resource tree for a stack's config file. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROUTES } from '../../lambda/routes';
import { planStack, readPlanConfig } from '../../scripts/plan';

describe('npm run plan', () => {
  let text: string;
  beforeAll(async () => {
    text = await planStack('dev');
  });

  it('prints the tree under the two components, with the wiring as references', () => {
    expect(text).toMatch(/^├─ \+ sipline:index:Router {2}sipline-router$/m);
    expect(text).toMatch(/^└─ \+ sipline:index:TwilioSip {2}sipline$/m);
    expect(text).toContain('voiceUrl: ${sipline-router-api.apiEndpoint}/voice/outbound');
    expect(text).toContain('voiceUrl: ${sipline-router-api.apiEndpoint}/voice/inbound');
    expect(text).toContain('routeKey: ANY /voice/outbound');
    expect(text).toContain('routeKey: ANY /voice/inbound');
    expect(text).toContain('sourceArn: ${sipline-router-api.executionArn}/*/*/voice/outbound');
    expect(text).toContain('sourceArn: ${sipline-router-api.executionArn}/*/*/voice/inbound');
    expect(text).not.toContain('POST /voice/outbound');
    expect(text).toContain('Allow secretsmanager:GetSecretValue on "${sipline-router-twilio-auth-token.arn}"');
  });

  it('shows the voice fallback: its Lambda, route, permission, policy (its logs, the token), and its URL on the domain and numbers', () => {
    expect(text).toMatch(/^│ {2}├─ \+ aws:lambda\/function:Function {2}sipline-router-fallback$/m);
    expect(text).toContain('routeKey: POST /voice/fallback');
    expect(text).toContain('sourceArn: ${sipline-router-api.executionArn}/*/POST/voice/fallback');
    expect(text).toContain('policy: Allow logs:CreateLogStream,logs:PutLogEvents on "${sipline-router-fallback-logs.arn}:*"; Allow secretsmanager:GetSecretValue on "${sipline-router-twilio-auth-token.arn}"\n');
    // the domain, 2 users' numbers and the sales group's
    expect(text.split('voiceFallbackUrl: ${sipline-router-api.apiEndpoint}/voice/fallback')).toHaveLength(5);
  });

  it('masks secrets and says which values are placeholders', () => {
    expect(text).toContain('secretString: [secret]');
    expect(text).toContain('registrations: [secret]');
    expect(text).not.toContain('0'.repeat(32)); // the placeholder token
    expect(text).toContain('planned with placeholders: sipline:twilioAuthToken, sipline:voicemailApiKeySecret');
  });

  it('shows voicemail to email and the dashboard: the queues, the worker and its trigger, the sender identity', () => {
    expect(text).toMatch(/^├─ \+ sipline:index:Voicemail {2}sipline-voicemail$/m);
    expect(text).toMatch(/^├─ \+ sipline:index:Dashboard {2}sipline-dashboard$/m);
    expect(text).toContain('redrivePolicy: {"deadLetterTargetArn":"${sipline-router-voicemail-dead-letters.arn}","maxReceiveCount":5}');
    expect(text).toContain('eventSourceArn: ${sipline-router-voicemail-queue.arn}');
    expect(text).toContain('emailIdentity: voicemail@example.com');
    // The grant's condition is shown with it: SES sends for the worker only from the voicemail sender.
    expect(text).toContain('Allow ses:SendRawEmail,ses:SendEmail on "arn:aws:ses:us-east-1:123456789012:identity/*" when {"StringEquals":{"ses:FromAddress":"voicemail@example.com"}}');
    expect(text).toContain('voiceStatusCallbackUrl: ${sipline-router-api.apiEndpoint}/voice/status');
    expect(text.split('statusCallback: ${sipline-router-api.apiEndpoint}/voice/status')).toHaveLength(4);
  });

  it('counts what it would create', () => {
    // 34 and a route and a permission per route of the router; the sales group's number (1),
    // voicemail to email (2 queues, 2 secret resources, the identity, the worker's 4, its
    // trigger, 4 alarms of its own and the router's enqueue alarm: 15) and the dashboard (1).
    expect(text).toMatch(new RegExp(`Resources: ${34 + 2 * Object.keys(ROUTES).length + 1 + 15 + 1} to create`));
    expect(text).toMatch(/ {4}3 sipline-twilio:index:Credential$/m);
  });

  it('plans a user whose password is encrypted with that password, not a generated one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-plan-'));
    const file = path.join(dir, 'Pulumi.prod.yaml');
    fs.writeFileSync(
      file,
      [
        'config:',
        '  sipline:domainName: acme-prod',
        '  sipline:twilioAuthToken:',
        '    secure: v1:AAAAAAAAAAAA',
        '  sipline:users:',
        '    - username: alice',
        '      password:',
        '        secure: v1:BBBBBBBBBBBB',
        '    - username: bob',
      ].join('\n'),
    );
    const { values, placeholders } = readPlanConfig(file);
    expect(placeholders).toEqual(['sipline:twilioAuthToken', 'sipline:users[0].password']);
    expect((values.users as Array<Record<string, unknown>>).map((u) => 'password' in u)).toEqual([true, false]);
  });

  it('plans the voicemail API key secret as a placeholder when a list written as JSON text asks for email', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-plan-'));
    const file = path.join(dir, 'Pulumi.prod.yaml');
    const users = JSON.stringify([{ username: 'alice', noAnswer: { voicemail: { email: 'alice@example.com' } } }]);
    fs.writeFileSync(file, ['config:', '  sipline:domainName: acme-prod', `  sipline:users: '${users}'`].join('\n'));
    expect(readPlanConfig(file).placeholders).toEqual(['sipline:twilioAuthToken', 'sipline:voicemailApiKeySecret']);
  });

  it('names a missing stack file', async () => {
    await expect(planStack('nope')).rejects.toThrow('Pulumi.nope.yaml not found');
  });
});
