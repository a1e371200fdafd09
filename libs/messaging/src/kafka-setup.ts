// The admin's step on a secured broker: the registry's topics and every service's ACLs (aclPlan), so
// the services themselves need no CREATE, ALTER or cluster permission. Idempotent: run it at every
// deployment; an ACL this plan no longer holds is removed from the resources the plan names.
import type { ServiceName } from '@lnbx/contracts';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin, type AclEntry } from 'kafkajs';
import { AclGrant, aclPlan, principalOf } from './access';
import { ensureTopics, registryTopics } from './topics';

export interface KafkaSetupOptions {
  prefix: string;
  partitions?: number;
  replicationFactor?: number;
  principal?: (s: ServiceName) => string;
  /** How long the broker may take to show the ACLs it committed. */
  timeoutMs?: number;
}

export interface KafkaSetupResult {
  topics: number;
  grants: number;
  /** ACLs found on the plan's resources for its principals that the plan does not hold, now deleted. */
  revoked: AclGrant[];
}

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const OPERATION = { READ: AclOperationTypes.READ, WRITE: AclOperationTypes.WRITE, DESCRIBE: AclOperationTypes.DESCRIBE } as const;

const toEntry = (g: AclGrant): AclEntry => ({
  resourceType: RESOURCE[g.resourceType],
  resourceName: g.name,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: g.principal,
  host: '*',
  operation: OPERATION[g.operation],
  permissionType: AclPermissionTypes.ALLOW,
});
const keyOf = (e: Pick<AclEntry, 'resourceType' | 'resourceName' | 'principal' | 'operation' | 'permissionType' | 'resourcePatternType' | 'host'>): string =>
  [e.resourceType, e.resourcePatternType, e.resourceName, e.principal, e.host, e.operation, e.permissionType].join('|');

/** Every ACL the broker holds, as entries. */
async function describeAll(admin: Admin): Promise<AclEntry[]> {
  const { resources } = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return resources.flatMap((r) =>
    r.acls.map((a): AclEntry => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      resourcePatternType: r.resourcePatternType,
      principal: a.principal,
      host: a.host,
      operation: a.operation,
      permissionType: a.permissionType,
    })),
  );
}

/**
 * The controller commits an ACL change before the broker's authorizer sees it (KRaft publishes metadata
 * asynchronously): the step returns only once the broker answers with the plan, so what runs next is
 * judged by it. `done` is asked of the broker's ACLs until it holds, within `timeoutMs`.
 */
async function untilBroker(admin: Admin, what: string, done: (acls: AclEntry[]) => boolean, timeoutMs: number): Promise<AclEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const acls = await describeAll(admin);
    if (done(acls)) return acls;
    if (Date.now() > deadline) throw new Error(`the broker did not show ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function setUpKafka(
  admin: Admin,
  { prefix, partitions = 3, replicationFactor = 1, principal = principalOf, timeoutMs = 60_000 }: KafkaSetupOptions,
): Promise<KafkaSetupResult> {
  const topics = await ensureTopics(admin, prefix, { partitions, replicationFactor });
  const plan = aclPlan(prefix, principal);
  const wanted = plan.map(toEntry);
  const wantedKeys = new Set(wanted.map(keyOf));
  await admin.createAcls({ acl: wanted });
  const held = await untilBroker(
    admin,
    `the ${wanted.length} ACLs of the plan`,
    (acls) => {
      const keys = new Set(acls.map(keyOf));
      return wanted.every((w) => keys.has(keyOf(w)));
    },
    timeoutMs,
  );

  // What else our principals hold on our resources: left over from an earlier plan (an owner moved).
  const principals = new Set(plan.map((g) => g.principal));
  const ours = new Set([
    ...registryTopics().map((t) => `topic|${prefix}${t}`),
    ...plan.filter((g) => g.resourceType === 'group').map((g) => `group|${g.name}`),
  ]);
  const kindOf = (e: AclEntry) => (e.resourceType === AclResourceTypes.TOPIC ? 'topic' : e.resourceType === AclResourceTypes.GROUP ? 'group' : undefined);
  const stale = held.filter((e) => principals.has(e.principal) && ours.has(`${kindOf(e)}|${e.resourceName}`) && !wantedKeys.has(keyOf(e)));
  if (stale.length) {
    await admin.deleteAcls({ filters: stale });
    const gone = new Set(stale.map(keyOf));
    await untilBroker(admin, `${stale.length} revoked ACL(s) gone`, (acls) => !acls.some((a) => gone.has(keyOf(a))), timeoutMs);
  }
  const revoked = stale.map((e): AclGrant => ({
    principal: e.principal,
    resourceType: e.resourceType === AclResourceTypes.TOPIC ? 'topic' : 'group',
    name: e.resourceName,
    operation: (Object.entries(OPERATION).find(([, v]) => v === e.operation)?.[0] ?? String(e.operation)) as AclGrant['operation'],
  }));
  return { topics: topics.length, grants: plan.length, revoked };
}
