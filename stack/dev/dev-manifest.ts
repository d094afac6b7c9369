/**
 * The StreamJob `make dev` applies for a job project: the job's image as built on the stack, its
 * module path in the image (the starter's Dockerfile puts src/ under /job), topics, and the
 * stack's Kafka and S3. Pure: the YAML a user could also write by hand (it is saved next to the
 * stack, so they can read, edit and re-apply it).
 */
import { stringify } from 'yaml'

export interface DevJob {
  name: string
  namespace: string
  image: string
  module: string
  config?: unknown
  input: string
  output: string
  parallelism: number
  bootstrap: string
  s3: { endpoint: string; bucket: string; region: string }
  secretName: string
}

export function devStreamJob(job: DevJob): string {
  return stringify({
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: { name: job.name, namespace: job.namespace },
    spec: {
      image: job.image,
      job: { module: job.module, ...(job.config === undefined ? {} : { config: job.config }) },
      parallelism: job.parallelism,
      kafka: {
        bootstrapServers: [job.bootstrap],
        source: { topics: [job.input], startFrom: 'earliest' },
        sink: { topic: job.output },
        transactionTimeout: '5m',
      },
      checkpoint: {
        interval: '2s',
        timeout: '1m',
        storage: {
          uri: `s3://${job.s3.bucket}/dev`,
          endpoint: job.s3.endpoint,
          region: job.s3.region,
          forcePathStyle: true,
          credentialsSecretRef: { name: job.secretName },
        },
      },
    },
  })
}

/** A Kubernetes object name (and image name) from a package name: lowercase, dashes, at most 40 characters. */
export function devJobName(raw: string): string {
  const name = raw
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '')
  if (!/^[a-z]/.test(name))
    throw new Error(`Cannot make a job name from "${raw}": pass --name with a DNS label such as my-job`)
  return name
}
