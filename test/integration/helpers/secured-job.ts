/**
 * A StreamJob on the stack's secured listeners, as a user sets it up with Strimzi: the cluster CA
 * Secret and a KafkaUser-shaped Secret in the job's namespace, `spec.kafka.tls` and
 * `spec.kafka.authentication` naming them, and exactly the job's ACLs granted to its principal.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { CoreV1Api } from '@kubernetes/client-node'
import type { Kafka } from 'kafkajs'
import { type JobAclInput, jobAcls } from '../../../runtime/kafka/job-acls.ts'
import { grantAcls } from '../../../stack/kafka-acls.ts'
import { type SecuredKind, unsecuredJwt } from '../../../stack/kafka-credentials.ts'
import { issueClientCertificate, type KafkaSecurityInfo, type KafkaUser } from '../../../stack/kafka-security.ts'

const CA_SECRET = 'kafka-cluster-ca-cert'

async function putSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  try {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } })
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error
    await core.replaceNamespacedSecret({ name, namespace, body: { metadata: { name }, stringData: data } })
  }
}

/** Creates the Secrets and grants the ACLs; returns the `spec.kafka` fields (bootstrap included). */
export async function securedJobKafka(o: {
  core: CoreV1Api
  namespace: string
  admin: Kafka
  security: KafkaSecurityInfo
  kind: SecuredKind
  principal: string
  topics: Omit<JobAclInput, 'transactionalIdPrefix'>
}): Promise<Record<string, unknown>> {
  const { core, namespace, security, principal } = o
  const transactionalIdPrefix = `${principal}-${randomUUID().slice(0, 6)}.`
  await putSecret(core, namespace, CA_SECRET, { 'ca.crt': readFileSync(security.caFile, 'utf8') })
  const userSecret = `${principal}-user`
  let authentication: Record<string, unknown>
  if (o.kind === 'scram-sha-512') {
    const password = security.passwords[principal as KafkaUser]
    if (!password) throw new Error(`No SCRAM user "${principal}" on the stack`)
    await putSecret(core, namespace, userSecret, { password })
    authentication = {
      type: o.kind,
      username: principal,
      passwordSecret: { secretName: userSecret, password: 'password' },
    }
  } else if (o.kind === 'mtls') {
    const cert = await issueClientCertificate(security.tlsDir, principal)
    await putSecret(core, namespace, userSecret, {
      'user.crt': readFileSync(cert.certFile, 'utf8'),
      'user.key': readFileSync(cert.keyFile, 'utf8'),
    })
    authentication = {
      type: 'tls',
      certificateAndKey: { secretName: userSecret, certificate: 'user.crt', key: 'user.key' },
    }
  } else {
    await putSecret(core, namespace, userSecret, { token: unsecuredJwt(principal, 24 * 3600) })
    authentication = { type: 'oauth', accessToken: { secretName: userSecret, key: 'token' } }
  }
  await grantAcls(o.admin, principal, jobAcls({ ...o.topics, transactionalIdPrefix }))
  return {
    bootstrapServers: [o.kind === 'mtls' ? security.mtls : security.saslSsl],
    tls: { trustedCertificates: [{ secretName: CA_SECRET, certificate: 'ca.crt' }] },
    authentication,
    transactionalIdPrefix,
  }
}
