/**
 * The bank-transfers StreamJob exactly as examples/bank-transfers/streamjob.yaml writes it, with
 * only the addresses pointed at the local stack (Kafka bootstrap, S3 endpoint, bucket, region).
 * Comments survive, so what gets applied is the file a user reads.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { REPO_ROOT } from '../repo-root.ts'
import type { StackInfo } from '../stack.ts'

export const MANIFEST_PATH = 'examples/bank-transfers/streamjob.yaml'

export interface DemoManifest {
  name: string
  /** The YAML to apply. */
  yaml: string
  /** "path: old → new" for every field the demo changed. */
  changes: string[]
  commandsTopic: string
  creditsTopic: string
  eventsTopic: string
  parallelism: number
  secretName: string
}

export function localManifest(kafka: { bootstrap: string }, s3: NonNullable<StackInfo['s3']>): DemoManifest {
  const doc = parseDocument(readFileSync(join(REPO_ROOT, MANIFEST_PATH), 'utf8'))
  const changes: string[] = []
  const set = (path: string[], value: unknown) => {
    const before = JSON.stringify(doc.getIn(path))
    doc.setIn(path, value)
    const after = JSON.stringify(doc.getIn(path))
    if (before !== after) changes.push(`${path.join('.')}: ${before} → ${after}`)
  }
  const storage = ['spec', 'checkpoint', 'storage']
  const uri = new URL(String(doc.getIn([...storage, 'uri'])))
  set(['spec', 'kafka', 'bootstrapServers'], doc.createNode([kafka.bootstrap], { flow: true }))
  set([...storage, 'uri'], `s3://${s3.bucket}${uri.pathname}`)
  set([...storage, 'endpoint'], s3.endpoint)
  set([...storage, 'region'], s3.region)

  const spec = doc.toJS() as {
    metadata: { name: string }
    spec: {
      parallelism: number
      job: { config: { creditsTopic: string } }
      kafka: { source: { topics: string[] }; sink: { topic: string } }
      checkpoint: { storage: { credentialsSecretRef: { name: string } } }
    }
  }
  const { job, kafka: topics } = spec.spec
  const commandsTopic = topics.source.topics.find((t) => t !== job.config.creditsTopic)
  if (!commandsTopic) throw new Error(`${MANIFEST_PATH} names no commands topic besides the credits topic`)
  return {
    name: spec.metadata.name,
    yaml: doc.toString(),
    changes,
    commandsTopic,
    creditsTopic: job.config.creditsTopic,
    eventsTopic: topics.sink.topic,
    parallelism: spec.spec.parallelism,
    secretName: spec.spec.checkpoint.storage.credentialsSecretRef.name,
  }
}
