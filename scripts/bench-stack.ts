/**
 * How long the Pulumi program takes to evaluate for a large directory, under the mocks
 * (infra/mocks.ts): config parsing, the router bundle, and every resource declaration.
 * This is the program's share of a `pulumi preview`; the engine and the providers' own work
 * (Twilio and AWS API calls) come on top at `pulumi up`.
 *
 *   npx tsx scripts/bench-stack.ts [users]     (default 1,000, Twilio's limit per list)
 *
 * `scripts/bench.ts` (npm run bench) calls benchStack.
 */
import { performance } from 'node:perf_hooks';
import { runSipline } from '../infra/mocks';

/**
 * N users, as a real directory mixes them: a third E.164 usernames (their own number), a third
 * named users with a bound number, a third named users with no number; every fourth brings
 * its own password, the rest get generated ones.
 */
export function benchUsers(userCount: number): Array<Record<string, string>> {
  return Array.from({ length: userCount }, (_, i) => {
    const number = `+1415${2000000 + i}`;
    const user: Record<string, string> =
      i % 3 === 0 ? { username: number } : i % 3 === 1 ? { username: `user${i}`, number } : { username: `user${i}` };
    if (i % 4 === 0) user.password = `Bench-Password-${i}-x`;
    return user;
  });
}

export async function benchStack(userCount: number): Promise<{ ms: number; resources: number }> {
  const start = performance.now();
  const { mocks } = await runSipline({
    config: { domainName: 'bench', defaultCountry: 'US', users: benchUsers(userCount), twilioAuthToken: '0123456789abcdef0123456789abcdef' },
    secretKeys: ['twilioAuthToken', 'users'],
    stack: 'bench',
  });
  const ms = performance.now() - start;
  return { ms: Math.round(ms), resources: mocks.resources.filter((r) => r.custom).length };
}

if (require.main === module) {
  const users = Number(process.argv[2] ?? 1000);
  (async () => {
    const cold = await benchStack(users);
    console.log(`stack with ${users} users: ${cold.resources} resources evaluated under mocks in ${cold.ms} ms (cold: includes the router bundle)`);
    const warm = await benchStack(users);
    console.log(`stack with ${users} users: ${warm.resources} resources evaluated under mocks in ${warm.ms} ms (warm: bundle already built)`);
  })().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
