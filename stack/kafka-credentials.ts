/**
 * A job's way into the stack's secured listeners (kafka-security.ts), for tests and benchmarks: credentials written to
 * files, as the operator mounts them from Secrets, and exactly the job's ACLs
 * (runtime/kafka/job-acls.ts) granted to its principal.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kafka } from 'kafkajs'
import type { KafkaSecurity } from '../contract/kafka-security.ts'
import { type AclEntry, type JobAclInput, jobAcls } from '../runtime/kafka/job-acls.ts'
import { grantAcls } from './kafka-acls.ts'
import { issueClientCertificate, type KafkaSecurityInfo, type KafkaUser } from './kafka-security.ts'

export type SecuredKind = 'scram-sha-512' | 'mtls' | 'oauthbearer'

export interface SecuredAccess {
  bootstrap: string
  security: KafkaSecurity
  principal: string
  transactionalIdPrefix: string
}

/** An unsecured JWT (alg none) for the broker's test validator: its `sub` is the principal. */
export function unsecuredJwt(sub: string, lifetimeSeconds = 3600): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${part({ alg: 'none' })}.${part({ sub, iat: now, exp: now + lifetimeSeconds })}.`
}

/** Credentials for `principal` over `kind`, in files; no ACL granted. */
export async function credentials(
  security: KafkaSecurityInfo,
  kind: SecuredKind,
  principal: string,
): Promise<Omit<SecuredAccess, 'transactionalIdPrefix'>> {
  const dir = mkdtempSync(join(tmpdir(), 'exactly-kafka-access-'))
  const tls = { caFiles: [security.caFile] }
  if (kind === 'scram-sha-512') {
    const password = security.passwords[principal as KafkaUser]
    if (!password)
      throw new Error(`No SCRAM user "${principal}" on the stack; use one of ${Object.keys(security.passwords)}`)
    writeFileSync(join(dir, 'password'), password)
    return {
      bootstrap: security.saslSsl,
      principal,
      security: { tls, sasl: { mechanism: kind, username: principal, passwordFile: join(dir, 'password') } },
    }
  }
  if (kind === 'oauthbearer') {
    writeFileSync(join(dir, 'token'), unsecuredJwt(principal))
    return {
      bootstrap: security.saslSsl,
      principal,
      security: { tls, sasl: { mechanism: kind, tokenFile: join(dir, 'token') } },
    }
  }
  const cert = await issueClientCertificate(security.tlsDir, principal)
  return {
    bootstrap: security.mtls,
    principal,
    security: { tls: { ...tls, certFile: cert.certFile, keyFile: cert.keyFile } },
  }
}

/** Credentials plus exactly the job's ACLs (a fresh transactional-id prefix of its own). */
export async function securedAccess(
  admin: Kafka,
  security: KafkaSecurityInfo,
  kind: SecuredKind,
  principal: string,
  job: Omit<JobAclInput, 'transactionalIdPrefix'>,
  /** ACLs of the job's set not to grant (for tests of what a missing one does). */
  withhold: (acl: AclEntry) => boolean = () => false,
): Promise<SecuredAccess> {
  const transactionalIdPrefix = `t-${randomUUID().slice(0, 8)}.`
  const access = await credentials(security, kind, principal)
  await grantAcls(
    admin,
    principal,
    jobAcls({ ...job, transactionalIdPrefix }).filter((acl) => !withhold(acl)),
  )
  return { ...access, transactionalIdPrefix }
}
