/**
 * Word-count StreamJobs for the tests that need the real node (bad specs, pod deletion, node
 * restarts, memory limits): each on fresh topics, with waits whose failure names the job's status
 * and the operator's log, and its output audited record by record.
 */
import type { V1Pod } from '@kubernetes/client-node'
import type { Kafka } from 'kafkajs'
import type { StreamJob } from '../../../operator/api/streamjob-types.ts'
import type { KafkaClient } from '../../../runtime/kafka/kafka-client.ts'
import type { SecuredKind } from '../../../stack/kafka-credentials.ts'
import { createTopic } from '../../../stack/topics.ts'
import type { OperatorHarness } from '../helpers/operator-harness.ts'
import { securedJobKafka } from '../helpers/secured-job.ts'
import { WordCountTopics, wordCountJob } from './word-count-job.ts'

export const condition = (job: StreamJob, type: string) => job.status?.conditions?.find((c) => c.type === type)

export interface NodeJob {
  name: string
  words: WordCountTopics
  wait<T>(what: string, check: () => Promise<T | undefined>): Promise<T>
  /** The job once Degraded has `reason`. */
  degraded(reason: string): Promise<StreamJob>
  running(): Promise<StreamJob>
  /** The ready, live worker pod of `slot`. */
  worker(slot: number): Promise<V1Pod>
}

/** A word-count job on fresh topics with `edit` applied to its spec, fed `words` words before it is created. */
export async function nodeJob(
  h: OperatorHarness,
  kafka: Kafka,
  client: KafkaClient,
  o: {
    name: string
    words?: number
    maxRestarts?: number
    edit?: (spec: StreamJob['spec']) => void
    /** Run it on a secured listener as `principal`, with exactly its ACLs (helpers/secured-job.ts). */
    secured?: { kind: SecuredKind; principal: string }
  },
): Promise<NodeJob> {
  const { name } = o
  const topics = {
    input: await createTopic(kafka, `${name}-in`, 2),
    output: await createTopic(kafka, `${name}-out`, 2),
  }
  const wait = <T>(what: string, check: () => Promise<T | undefined>) => h.waitFor(what, name, check, 120_000)
  const words = new WordCountTopics(kafka, h.stack.kafka!.bootstrap, client, topics, wait)
  await words.feed(o.words ?? 200)
  const manifest = wordCountJob(h, name, topics.input, topics.output, o.maxRestarts ?? 3)
  if (o.secured) {
    Object.assign(
      manifest.spec.kafka,
      await securedJobKafka({
        core: h.core,
        namespace: h.namespace,
        admin: kafka,
        security: h.stack.kafka!.security,
        ...o.secured,
        topics: { sourceTopics: [topics.input], sinkTopic: topics.output },
      }),
    )
  }
  o.edit?.(manifest.spec as unknown as StreamJob['spec'])
  await h.createJob(manifest)
  const until = (what: string, holds: (job: StreamJob) => boolean) =>
    wait(`${name} ${what}`, async () => {
      const job = await h.readJob(name)
      return holds(job) ? job : undefined
    })
  return {
    name,
    words,
    wait,
    degraded: (reason) => until(`is Degraded with ${reason}`, (j) => condition(j, 'Degraded')?.reason === reason),
    running: () => until('is Running', (j) => j.status?.phase === 'Running'),
    worker: (slot) =>
      wait(`a ready worker of ${name} in slot ${slot}`, async () =>
        (await h.jobPods(name)).find(
          (p) =>
            p.metadata?.labels?.['exactly.dev/slot'] === String(slot) &&
            !p.metadata.deletionTimestamp &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ),
      ),
  }
}

/** "<reason>: <message>" of every Warning Event about the StreamJob `job`. */
export async function warningEvents(h: OperatorHarness, job: string): Promise<string[]> {
  const events = await h.core.listNamespacedEvent({
    namespace: h.namespace,
    fieldSelector: `involvedObject.name=${job}`,
  })
  return events.items.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`)
}
