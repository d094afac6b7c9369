/**
 * The word-count job as an end-to-end scenario for worker tests: fresh topics and storage
 * prefix per test, input fed slowly while workers run (so every checkpoint carries data), and a
 * record-by-record audit of the read_committed output against the independent expected-output
 * model in `examples/word-count/expected.ts`. Another example runs the same way with `module`,
 * its `input` records and its model passed to `verify`.
 */
import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { afterAll, beforeAll, expect, inject } from 'vitest'
import type { ExpectedOutput, InputRecord, VerifyReport } from '../../../examples/verify-model.ts'
import { expectedWordCount } from '../../../examples/word-count/expected.ts'
import type { AclEntry } from '../../../runtime/kafka/job-acls.ts'
import type { KafkaClient } from '../../../runtime/kafka/kafka-client.ts'
import { KafkajsClient } from '../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { readToEnd } from '../../../runtime/kafka/read-to-end.ts'
import { type SecuredKind, securedAccess } from '../../../stack/kafka-credentials.ts'
import type { StackInfo } from '../../../stack/stack.ts'
import { createTopic, kafkaFor } from '../../../stack/topics.ts'
import { waitFor } from '../../../stack/wait.ts'
import { auditIndependently, differences } from './audit.ts'
import { produceSlowly } from './kafka.ts'
import {
  type JobSpec,
  runRecover,
  startWorker,
  stopAllWorkers,
  type WorkerProcess,
  waitForExit,
} from './worker-process.ts'

const WORDS = ['apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'hazel', 'iris', 'jade', 'kiwi']

export interface ScenarioContext {
  stack: StackInfo
  kafka: Kafka
  client: KafkaClient
}

/**
 * The shared stack's Kafka and S3, a kafkajs admin and a connected KafkaClient for the file that
 * calls it (connected before its tests, closed after).
 */
export function useScenarioContext(): ScenarioContext & {
  stack: StackInfo & Required<Pick<StackInfo, 'kafka' | 's3'>>
} {
  const stack = inject('stack')
  if (!stack.kafka || !stack.s3) throw new Error('The integration stack has no Kafka broker or S3 server')
  const ctx = {
    stack: { ...stack, kafka: stack.kafka, s3: stack.s3 },
    kafka: kafkaFor(stack.kafka.bootstrap),
    client: new KafkajsClient({ brokers: [stack.kafka.bootstrap] }),
  }
  beforeAll(() => ctx.client.connect())
  afterAll(async () => {
    stopAllWorkers()
    await ctx.client.close()
  })
  return ctx
}

export class WordCountScenario {
  readonly job: JobSpec
  readonly inputRecords: number
  readonly #ctx: ScenarioContext
  readonly #badEvery: number | undefined
  readonly #input: ((i: number) => { key: string; value: string }) | undefined
  #fed: Promise<number> | undefined

  private constructor(
    ctx: ScenarioContext,
    job: JobSpec,
    inputRecords: number,
    badEvery?: number,
    input?: (i: number) => { key: string; value: string },
  ) {
    this.#ctx = ctx
    this.job = job
    this.inputRecords = inputRecords
    this.#badEvery = badEvery
    this.#input = input
  }

  static async create(
    ctx: ScenarioContext,
    name: string,
    options: {
      parallelism?: number
      inputRecords?: number
      intervalMs?: number
      timeoutMs?: number
      /** Every n-th input record is an empty word, which the job refuses (a bad record). */
      badEvery?: number
      onError?: JobSpec['onError']
      delivery?: JobSpec['delivery']
      incremental?: JobSpec['incremental']
      stopKey?: string
      hangingTransactions?: JobSpec['hangingTransactions']
      /** Run the workers over a secured listener as `principal`, with exactly the job's ACLs. */
      secured?: { kind: SecuredKind; principal: string; withhold?: (acl: AclEntry) => boolean }
      /** Another example job than word count, and its i-th input record. */
      module?: string
      input?: (i: number) => { key: string; value: string }
    } = {},
  ): Promise<WordCountScenario> {
    const input = await createTopic(ctx.kafka, `${name}-in`, 2)
    const output = await createTopic(ctx.kafka, `${name}-out`, 2)
    const secured = options.secured
    const access =
      secured &&
      (await securedAccess(
        ctx.kafka,
        ctx.stack.kafka!.security,
        secured.kind,
        secured.principal,
        {
          sourceTopics: [input],
          sinkTopic: output,
          ...(options.onError?.kind === 'dead-letter' ? { deadLetterTopic: options.onError.topic } : {}),
        },
        secured.withhold,
      ))
    const job: JobSpec = {
      name,
      uid: randomUUID(),
      module: options.module ?? 'examples/word-count/job.ts',
      sourceTopics: [input],
      sinkTopic: output,
      parallelism: options.parallelism ?? 1,
      prefix: `worker-tests/${randomUUID().slice(0, 8)}`,
      ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.delivery ? { delivery: options.delivery } : {}),
      ...(options.incremental ? { incremental: options.incremental } : {}),
      ...(options.stopKey ? { stopKey: options.stopKey } : {}),
      ...(options.hangingTransactions ? { hangingTransactions: options.hangingTransactions } : {}),
      ...(access ? { access } : {}),
    }
    return new WordCountScenario(ctx, job, options.inputRecords ?? 1500, options.badEvery, options.input)
  }

  /** Starts producing the input in the background: batches of 60 every ~120 ms (or `pauseMs`). */
  feed(pauseMs = 120): void {
    this.#fed = produceSlowly(
      this.#ctx.kafka,
      this.job.sourceTopics[0]!,
      this.inputRecords,
      (i) => {
        if (this.#input) return this.#input(i)
        const word = WORDS[(i * 7 + Math.floor(i / 11)) % WORDS.length]!
        const bad = this.#badEvery !== undefined && i % this.#badEvery === this.#badEvery - 1
        return { key: word, value: bad ? ' ' : word }
      },
      { batch: 60, pauseMs },
    )
  }

  start(
    slot: number,
    attempt: number,
    failpoints?: string,
    layout: { generation?: number; parallelism?: number } = {},
  ): Promise<WorkerProcess> {
    return startWorker(this.#ctx.stack, this.job, slot, { attempt, ...layout, ...(failpoints ? { failpoints } : {}) })
  }

  /** Runs one attempt that must die by SIGKILL at its failpoint. */
  async crashAt(slot: number, attempt: number, failpoints: string): Promise<void> {
    const worker = await this.start(slot, attempt, failpoints)
    const exit = await waitForExit(worker, 60_000)
    expect(exit.signal, `attempt ${attempt} should have died at ${failpoints}; its log ends:\n${worker.tail()}`).toBe(
      'SIGKILL',
    )
    expect(worker.tail(5)).toContain('failpoint reached')
  }

  /** Waits for the whole input to be fed and processed, then stops every worker cleanly (exit 0). */
  async runToEnd(
    workers: readonly WorkerProcess[],
    stop: (worker: WorkerProcess) => void | Promise<void> = (worker) => worker.signal('SIGTERM'),
  ): Promise<void> {
    await this.#fed
    for (const worker of workers) {
      await waitFor(
        `worker ${worker.logFile} catches up`,
        async () => {
          const status = await worker.status()
          return status.ready && status.lag === 0
        },
        60_000,
        { intervalMs: 100, detail: () => `its log ends:\n${worker.tail()}` },
      )
    }
    for (const worker of workers) await stop(worker)
    for (const worker of workers) {
      const exit = await waitForExit(worker, 30_000)
      expect(exit, `a stop request should end in exit 0; the log ends:\n${worker.tail()}`).toEqual({
        code: 0,
        signal: null,
      })
    }
  }

  /**
   * A new job of one slot (another name, uid, storage prefix and output topic) started from the
   * savepoint at `uri` by `exactly recover`, then run to the end of the input. Its output topic
   * holds what it wrote: the output of the input past the savepoint's offsets.
   */
  async runMovedFrom(
    uri: string,
    name: string,
  ): Promise<{ job: JobSpec; summary: Record<string, unknown> | undefined }> {
    const moved = {
      ...this.job,
      name,
      uid: randomUUID(),
      parallelism: 1,
      prefix: `worker-tests/moved-${randomUUID().slice(0, 8)}`,
      sinkTopic: await createTopic(this.#ctx.kafka, `${name}-out`, 2),
    }
    const restore = { kind: 'savepointUri', uri } as const
    const started = await runRecover(this.#ctx.stack, moved, {
      generation: 0,
      parallelism: 0,
      nextGeneration: 1,
      restore,
    })
    expect(started.code, started.stderr).toBe(0)
    await this.runToEnd([await startWorker(this.#ctx.stack, moved, 0, { attempt: 1, generation: 1 })])
    return { job: moved, summary: started.summary }
  }

  /**
   * The output compared with the expected output record by record, and what is left open. Both
   * topics are read by the independent reader (test/integration/helpers/committed-reader.ts), and
   * the runtime's own read (read-to-end.ts, what `exactly verify` uses) must see the same records.
   */
  async audit(
    model: (input: readonly InputRecord[]) => ExpectedOutput = expectedWordCount,
  ): Promise<{ report: VerifyReport; expected: number; openTransactions: unknown[] }> {
    const topics = { input: [this.job.sourceTopics[0]!], output: this.job.sinkTopic }
    const { input, output, report } = await auditIndependently(this.#ctx.stack.kafka!.bootstrap, model, topics)
    const runtimeInput = await readToEnd(this.#ctx.client, topics.input[0]!)
    const runtimeOutput = await readToEnd(this.#ctx.client, topics.output)
    expect(
      differences(runtimeInput.records, input),
      'the runtime read the input as the independent reader did',
    ).toEqual([])
    expect(
      differences(runtimeOutput.records, output),
      'the runtime read the output as the independent reader did',
    ).toEqual([])
    // Exactly what was fed: the feeder retries a failed send with the same idempotent producer,
    // whose sequence numbers make the broker drop a batch it already has.
    expect(await this.#fed, 'records the feeder sent').toBe(this.inputRecords)
    expect(input.length, 'input records in the topic').toBe(this.inputRecords)
    return { report, expected: report.expected, openTransactions: runtimeOutput.openTransactions }
  }

  /** The audit: output equal to the expected output record by record, and no open transaction. */
  async verify(model?: (input: readonly InputRecord[]) => ExpectedOutput): Promise<void> {
    const { report, expected, openTransactions } = await this.audit(model)
    expect(
      { duplicates: report.duplicates.slice(0, 5), missing: report.missing.slice(0, 5), unexpected: report.unexpected },
      `expected ${report.expected} records, read ${report.actual}`,
    ).toEqual({ duplicates: [], missing: [], unexpected: [] })
    // Every expected record is there, once (for word count: one per input word; bad records go elsewhere).
    expect(report.actual).toBe(expected)
    expect(openTransactions).toEqual([])
  }
}
