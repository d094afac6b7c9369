/**
 * `exactly worker`: one slot of a StreamJob as a process. Wiring only: configuration, the job
 * module, the Kafka client, checkpoint storage, metrics, the HTTP endpoints and signals around
 * a SlotRunner, which holds the protocol.
 *
 * Exit codes: contract/exit-codes.ts.
 */
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Logger, pino } from 'pino'
import { EXIT_FAILED, EXIT_NEEDS_A_PERSON, EXIT_STOPPED, EXIT_SUPERSEDED } from '../../contract/exit-codes.ts'
import { serve } from '../../contract/serve-http.ts'
import { refuseStopRequest, type WorkerCommand } from '../../contract/stop-request.ts'
import { parseWorkerConfig, type WorkerConfig, WorkerConfigError } from '../../contract/worker-config.ts'
import type { SavepointStep } from '../../contract/worker-savepoint.ts'
import type { Job } from '../api/define-job.ts'
import { CheckpointStore } from '../checkpoint/checkpoint-store.ts'
import type { Failpoint } from '../checkpoint/failpoint.ts'
import { checkpointLayout, storageJobName } from '../checkpoint/layout.ts'
import { SavepointParts } from '../checkpoint/savepoint-parts.ts'
import { aclHintsOf, KafkajsClient } from '../kafka/kafkajs/kafkajs-client.ts'
import { reasonOf } from '../slot/slot-failures.ts'
import { SlotRunner } from '../slot/slot-runner.ts'
import { s3StoreFromEnv } from '../storage/s3.ts'
import { failpointAction, parseFailpoints } from './failpoints.ts'
import { workerHandler } from './handlers.ts'
import { loadJob } from './job-module.ts'
import { writeTerminationLog } from './termination-log.ts'
import { createWorkerMetrics } from './worker-metrics.ts'

/** Failures a restart would only repeat. */
const NEEDS_A_PERSON = new Set(['EXACTLY_CHECKPOINT_CORRUPT', 'EXACTLY_SNAPSHOT_CORRUPT', 'EXACTLY_RESTORE_MISMATCH'])

/** Reads the configuration from `--config FILE` or EXACTLY_WORKER_CONFIG. */
export function readWorkerConfig(args: readonly string[], env: NodeJS.ProcessEnv): WorkerConfig {
  const at = args.indexOf('--config')
  if (at >= 0) {
    const file = args[at + 1]
    if (!file) throw new WorkerConfigError('Invalid worker arguments: --config needs a file path')
    return parseWorkerConfig(readFileSync(file, 'utf8'))
  }
  const json = env.EXACTLY_WORKER_CONFIG
  if (!json) {
    throw new WorkerConfigError(
      'Invalid worker config: set EXACTLY_WORKER_CONFIG to the JSON described in docs/worker.md, or pass --config FILE',
    )
  }
  return parseWorkerConfig(json)
}

/** How long closing the Kafka client may take before the process exits anyway. */
const CLOSE_GRACE_MS = 5000

/**
 * Runs the worker until it stops or fails; resolves with the process exit code. `handOver` is
 * called once the worker's own SIGTERM handler is in place (runtime/cli/stop-while-loading.ts).
 */
export async function runWorker(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  handOver: () => void = () => {},
): Promise<number> {
  // Synchronous writes: the last line before a crash (or a failpoint's SIGKILL) must reach the log.
  const stdout = pino.destination({ dest: 1, sync: true })
  const bootLog = pino({ base: { component: 'worker' } }, stdout)
  let config: WorkerConfig
  let job: Job
  let failpoints: ReturnType<typeof parseFailpoints>
  try {
    config = readWorkerConfig(args, env)
    failpoints = parseFailpoints(env.EXACTLY_FAILPOINTS)
    job = await loadJob(config.job.module)
  } catch (error) {
    bootLog.error({ err: error }, (error as Error).message)
    return EXIT_NEEDS_A_PERSON
  }

  const log = pino(
    {
      base: {
        job: config.job.name,
        namespace: config.job.namespace,
        slot: config.slot,
        generation: config.generation,
        attempt: config.attempt,
      },
    },
    stdout,
  )
  const metrics = createWorkerMetrics({ job: config.job.name, namespace: config.job.namespace, slot: config.slot })
  let kafka: KafkajsClient
  try {
    kafka = kafkaClientOf(config, log)
  } catch (error) {
    // A Secret file that cannot be read: the operator restarts the worker after a backoff.
    log.error({ err: error, reason: reasonOf(error as Error) }, (error as Error).message)
    writeTerminationLog(reasonOf(error as Error), (error as Error).message)
    return EXIT_FAILED
  }
  const s3 = config.checkpoint.storage
  const objects = s3StoreFromEnv(s3, env)
  // A bare `step` fires once, even if the step is reached again (a `stop` is woken with SIGCONT).
  const fired = new Set<string>()
  const failpoint = (step: Failpoint, checkpointId: number) => {
    const action = failpointAction(failpoints, step, checkpointId)
    if (!action || fired.has(step)) return
    fired.add(step)
    const signal = action === 'kill' ? 'SIGKILL' : 'SIGSTOP'
    log.warn({ failpoint: step, checkpointId, signal }, `failpoint reached: sending ${signal} to this process`)
    process.kill(process.pid, signal)
  }
  const storage = new CheckpointStore({
    store: objects,
    prefix: s3.prefix,
    job: { namespace: config.job.namespace, name: config.job.name, uid: config.job.uid },
    uidDirectory: s3.uidDirectory,
    generation: config.generation,
    slot: config.slot,
    attempt: config.attempt,
    retained: config.checkpoint.retained,
    onStep: failpoint,
  })
  // At-least-once output is readable before its checkpoint: holding its commit would not make a cut.
  const savepoints =
    config.kafka.delivery === 'exactly-once'
      ? new SavepointParts({
          store: objects,
          layout: checkpointLayout(s3.prefix, storageJobName(config.job, s3.uidDirectory)),
          job: { namespace: config.job.namespace, name: config.job.name, uid: config.job.uid },
          generation: config.generation,
          slot: config.slot,
          parallelism: config.parallelism,
        })
      : undefined
  const runner = new SlotRunner({
    config,
    job,
    kafka,
    storage,
    savepoints,
    metrics,
    log,
    failpoint,
  })

  const requestStop = (reason: string) => {
    log.info({ reason }, 'stop requested: taking a final checkpoint')
    runner.requestStop()
  }
  // The operator sets EXACTLY_HTTP_HOST to the pod IP: the worker listens there only, not on
  // every interface of whatever network namespace it runs in.
  const http = { ...config.http, host: env.EXACTLY_HTTP_HOST || config.http.host }
  let server: Server | undefined
  try {
    const target = { jobUid: config.job.uid, generation: config.generation, slot: config.slot, attempt: config.attempt }
    const refuseStop = (request: Request, command?: WorkerCommand) =>
      refuseStopRequest(config.stopKey, target, request.headers, Date.now(), command)
    const endpoints = {
      status: () => runner.statusNow(),
      registry: metrics.registry,
      requestStop,
      refuseStop,
      savepoint: (step: SavepointStep) => runner.savepoint.take(step),
    }
    server = await serve(workerHandler(endpoints), http)
  } catch (error) {
    log.error({ err: error }, `Cannot serve the worker endpoints on ${http.host}:${http.port}`)
    return EXIT_FAILED
  }
  const onSignal = (signal: NodeJS.Signals) => requestStop(signal)
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  handOver()

  try {
    storage.prefetchHead()
    await kafka.connect()
    await runner.run()
    log.info({ lastCheckpoint: runner.status.lastCheckpoint?.id }, 'stopped cleanly: no transaction left open')
    return EXIT_STOPPED
  } catch (error) {
    const e = error as Error & { code?: string }
    if (e.code === 'EXACTLY_SUPERSEDED') {
      log.warn({ err: e }, 'a newer attempt owns this slot: exiting at once')
      return EXIT_SUPERSEDED
    }
    log.error({ err: e, reason: runner.status.failure?.reason }, e.message)
    writeTerminationLog(runner.status.failure?.reason ?? reasonOf(e), runner.status.failure?.message ?? e.message)
    const code = e instanceof WorkerConfigError || NEEDS_A_PERSON.has(e.code ?? '') ? EXIT_NEEDS_A_PERSON : EXIT_FAILED
    // A failed worker must exit so the operator replaces it: a worker that logged its failure
    // and then hung in cleanup was seen once after a broker restart (cause not found).
    setTimeout(() => {
      log.error({ exitCode: code }, `cleanup did not finish within ${2 * CLOSE_GRACE_MS} ms: exiting anyway`)
      process.exit(code)
    }, 2 * CLOSE_GRACE_MS).unref()
    return code
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
    server.close()
    // kafkajs's disconnect can wait on a connection to a broker that is down; a failed worker
    // must exit (the operator restarts it), not hang here looking alive.
    await Promise.race([kafka.close().catch(() => {}), sleep(CLOSE_GRACE_MS)])
  }
}

function kafkaClientOf(config: WorkerConfig, log: Logger): KafkajsClient {
  return new KafkajsClient({
    brokers: config.kafka.bootstrapServers,
    clientId: config.kafka.clientId ?? `exactly-${config.job.name}-s${config.slot}`,
    security: config.kafka.security,
    aclHints: aclHintsOf(config),
    // kafkajs logs every error answer of the broker at error level, including the retriable
    // ones the adapter handles (CONCURRENT_TRANSACTIONS, NOT_COORDINATOR, …): those are debug,
    // and the rest (connection failures it retries) at most warn. The adapter decides what fails.
    log: (entry) => {
      const routine = entry.namespace === 'Connection' && entry.message.startsWith('Response ')
      log[routine ? 'debug' : 'warn']({ kafkajs: entry.namespace, ...entry.extra }, entry.message)
    },
  })
}
