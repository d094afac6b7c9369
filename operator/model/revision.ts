/**
 * The revision of the spec parts a running generation is built from. When it changes (image,
 * job module or config, parallelism, Kafka or checkpoint settings, resources, pod template) the
 * operator stops the generation with a final checkpoint and starts the next one: a hash, not a
 * deep compare, as Strimzi's PodRevision does. `state`, `restartPolicy`, `savepointTrigger` and
 * `restoreFrom` are not part of it: they change what the operator does, not what a pod is.
 * The values of the Kafka Secrets the pods mount are (kafkaSecretsHash, model/kafka-access.ts).
 */
import { createHash } from 'node:crypto'
import type { StreamJobSpec } from '../api/streamjob-types.ts'

export function specRevision(spec: StreamJobSpec, kafkaSecretsHash?: string): string {
  const { image, job, parallelism, resources, podTemplate, kafka, checkpoint } = spec
  // The Secrets' values count too: a renewed certificate or a changed password rolls the job, as
  // Strimzi does. Absent for a job without Secrets, so its revision is what it always was.
  const layout = { image, job, parallelism, resources, podTemplate, kafka, checkpoint, kafkaSecretsHash }
  return createHash('sha256').update(canonicalJson(layout)).digest('hex').slice(0, 16)
}

/** JSON with object keys sorted, so that equal specs hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
