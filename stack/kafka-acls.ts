/**
 * Grants ACLs on the stack's broker over kafkajs's admin API (what kafka-acls.sh --add does), for
 * the tests and benchmarks that run a job as a least-privileged principal. The plaintext listener
 * is a super user (stack/kafka-security.ts), so no credentials are needed here.
 */
import kafkajs, { type Kafka } from 'kafkajs'
import type { AclEntry } from '../runtime/kafka/job-acls.ts'

// kafkajs is CommonJS: its enums are properties of the default export under plain Node.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs

const OPERATIONS = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  Alter: AclOperationTypes.ALTER,
} as const

export async function grantAcls(kafka: Kafka, principal: string, acls: readonly AclEntry[]): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createAcls({
      acl: acls.map((acl) => {
        const r = acl.resource
        return {
          principal: `User:${principal}`,
          host: '*',
          operation: OPERATIONS[acl.operation],
          permissionType: AclPermissionTypes.ALLOW,
          ...(r.type === 'cluster'
            ? {
                resourceType: AclResourceTypes.CLUSTER,
                resourceName: 'kafka-cluster',
                resourcePatternType: ResourcePatternTypes.LITERAL,
              }
            : {
                resourceType: r.type === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.TRANSACTIONAL_ID,
                resourceName: r.name,
                resourcePatternType:
                  r.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
              }),
        }
      }),
    })
  } finally {
    await admin.disconnect()
  }
}
