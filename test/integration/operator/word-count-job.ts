/**
 * The word-count example as the operator test runs it: its StreamJob (the shape a user applies),
 * its input fed slowly while the operator works, and its read_committed output audited record by
 * record against the expected-output model of examples/word-count/expected.ts.
 */
import type { Kafka } from 'kafkajs'
import { expect } from 'vitest'
import { expectedWordCount } from '../../../examples/word-count/expected.ts'
import type { KafkaClient } from '../../../runtime/kafka/kafka-client.ts'
import { readToEnd } from '../../../runtime/kafka/read-to-end.ts'
import { auditIndependently, differences } from '../helpers/audit.ts'
import { produceSlowly } from '../helpers/kafka.ts'
import { type OperatorHarness, streamJobManifest } from '../helpers/operator-harness.ts'

const WORDS = ['ant', 'bee', 'cat', 'dog', 'eel', 'fox', 'gnu']

/** A word-count StreamJob reading `from` and writing `to` (the shape a user applies). */
export function wordCountJob(h: OperatorHarness, name: string, from: string, to: string, maxRestarts: number) {
  return streamJobManifest(h.stack, {
    name,
    namespace: h.namespace,
    module: '/app/examples/word-count/job.ts',
    parallelism: 2,
    bootstrap: h.stack.kafka!.bootstrap,
    sources: [from],
    sink: to,
    checkpointTimeout: '20s',
    maxRestarts,
    storagePrefix: 'operator',
  })
}

/** The input and output topics of one word-count job, and how many words were fed so far. */
export class WordCountTopics {
  fed = 0
  readonly #kafka: Kafka
  readonly #bootstrap: string
  readonly #client: KafkaClient
  readonly input: string
  readonly output: string
  readonly #waitFor: <T>(what: string, check: () => Promise<T | undefined>) => Promise<T>

  /** `waitFor`: the test's bounded wait (its failure message says what the operator did). */
  constructor(
    kafka: Kafka,
    bootstrap: string,
    client: KafkaClient,
    topics: { input: string; output: string },
    waitFor: <T>(what: string, check: () => Promise<T | undefined>) => Promise<T>,
  ) {
    this.#kafka = kafka
    this.#bootstrap = bootstrap
    this.#client = client
    this.input = topics.input
    this.output = topics.output
    this.#waitFor = waitFor
  }

  /** Produces the next `count` words, 50 every 100 ms. */
  async feed(count: number): Promise<void> {
    const start = this.fed
    this.fed += count
    await produceSlowly(
      this.#kafka,
      this.input,
      count,
      (i) => {
        const word = WORDS[(start + i) % WORDS.length]!
        return { key: word, value: word }
      },
      { batch: 50, pauseMs: 100 },
    )
  }

  /**
   * Waits until the output holds one record per input word, then audits it record by record:
   * both topics read by the independent reader (Kafka's Java consumer, no code of the
   * runtime's fetch path), the runtime's own read held to it, and exactly the words fed.
   */
  async audit(): Promise<void> {
    const expectedCount = this.fed
    await this.#waitFor(`the output holds ${expectedCount} records`, async () => {
      const out = await readToEnd(this.#client, this.output)
      return out.records.length >= expectedCount ? true : undefined
    })
    const topics = { input: [this.input], output: this.output }
    const { input, output, report } = await auditIndependently(this.#bootstrap, expectedWordCount, topics)
    expect(input.length, 'input records in the topic').toBe(expectedCount)
    const runtimeIn = (await readToEnd(this.#client, this.input)).records
    const runtimeOut = (await readToEnd(this.#client, this.output)).records
    expect(differences(runtimeIn, input), 'the runtime read the input as the independent reader did').toEqual([])
    expect(differences(runtimeOut, output), 'the runtime read the output as the independent reader did').toEqual([])
    expect({
      duplicates: report.duplicates.slice(0, 5),
      missing: report.missing.slice(0, 5),
      unexpected: report.unexpected.slice(0, 5),
    }).toEqual({ duplicates: [], missing: [], unexpected: [] })
    expect(report.actual).toBe(expectedCount)
  }
}
