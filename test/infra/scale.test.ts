/** A large directory evaluates under the mocks (the 1,000-user figure is `npm run bench`'s). */
import { ROUTES } from '../../lambda/routes';
import { benchStack, benchUsers } from '../../scripts/bench-stack';

describe('a stack with many users', () => {
  it('evaluates 300 users: a credential each, a number each for two thirds, a password for those without', async () => {
    const users = benchUsers(300);
    const withNumber = users.filter((u) => u.username.startsWith('+') || u.number).length;
    const generated = users.filter((u) => !u.password).length;
    const { ms, resources } = await benchStack(300);
    // 27 fixed resources (22 on AWS, 8 of them the voice fallback and its alarm; the suffix of the Lambdas' names;
    // domain, list, two mappings; the dashboard), a route and a permission per route of the router, per-user ones.
    expect(resources).toBe(27 + 2 * Object.keys(ROUTES).length + users.length + withNumber + generated);
    expect(ms).toBeGreaterThan(0);
  });
});
