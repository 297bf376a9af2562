/** The sipline policy pack: `pulumi preview --policy-pack policy`. Policies: ./policies.ts. */
import { PolicyPack } from '@pulumi/policy';
import { resourcePolicies, stackPolicies } from './policies';

new PolicyPack('sipline', { policies: [...resourcePolicies, ...stackPolicies] });
