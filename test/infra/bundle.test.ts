/**
 * The Lambda's code is deterministic: an unchanged stack previews no change. Pulumi hashes an
 * AssetArchive by its files' contents, so same bytes in means same archive out.
 */
import { bundleRouter } from '../../lambda/build';
import { routerArchiveFiles } from '../../infra/components/router';
import { runSipline } from '../../infra/mocks';
import { archiveFiles, demoConfig, NAMES, SECRET_KEYS, TYPES } from './fixtures';

describe('the router archive', () => {
  it('comes from two byte-identical builds of the bundle', async () => {
    const [a, b] = [await bundleRouter(), await bundleRouter()];
    expect(Buffer.from(a.code).equals(Buffer.from(b.code))).toBe(true);
    expect(a.code).not.toContain(process.cwd());
  });

  it('holds the same files, in the same order, for the same inputs', () => {
    const directory = { domain: 'acme.sip.twilio.com', defaultCountry: 'US', emergency: { enabled: false }, users: [{ username: 'alice' }] };
    const a = routerArchiveFiles({ 'index.js': 'code' }, directory);
    const b = routerArchiveFiles({ 'index.js': 'code' }, JSON.parse(JSON.stringify(directory)));
    expect(Object.entries(a)).toEqual(Object.entries(b));
    expect(Object.keys(a)).toEqual(['index.js', 'router-config.json']);
  });

  it('is identical across two evaluations of the program with the same config', async () => {
    const first = await archiveFiles((await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS })).mocks.one(TYPES.lambda, NAMES.routerFunction));
    const second = await archiveFiles((await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS })).mocks.one(TYPES.lambda, NAMES.routerFunction));
    expect(second).toEqual(first);
  });

  it('changes router-config.json, and only it, when the directory changes', async () => {
    const before = await archiveFiles((await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS })).mocks.one(TYPES.lambda, NAMES.routerFunction));
    const after = await archiveFiles(
      (await runSipline({ config: demoConfig({ users: [{ username: 'carol' }] }), secretKeys: SECRET_KEYS })).mocks.one(TYPES.lambda, NAMES.routerFunction),
    );
    expect(after['index.js']).toBe(before['index.js']);
    expect(after['router-config.json']).not.toBe(before['router-config.json']);
  });
});
