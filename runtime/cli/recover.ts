/**
 * `exactly recover`: commit what every slot of a generation promised, fence all their
 * transactional ids and write the restore point the next generation starts from. Prints one
 * JSON summary line on stdout. Exit codes: 0 done (check `transactionsClean`), 1 failed (safe
 * to run again), 2 invalid configuration.
 */

import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { parseRecoverConfig, type RecoverConfig } from '../../contract/recover-config.ts'
import { aclHintsOf, KafkajsClient } from '../kafka/kafkajs/kafkajs-client.ts'
import { recoverGeneration } from '../recovery/recover-generation.ts'
import { reasonOf } from '../slot/slot-failures.ts'
import { s3StoreFromEnv } from '../storage/s3.ts'
import { writeTerminationLog } from '../worker/termination-log.ts'

function readConfig(args: readonly string[], env: NodeJS.ProcessEnv): RecoverConfig {
  const at = args.indexOf('--config')
  if (at >= 0) return parseRecoverConfig(readFileSync(args[at + 1] ?? '', 'utf8'))
  if (!env.EXACTLY_RECOVER_CONFIG) {
    throw new Error('Invalid recover config: set EXACTLY_RECOVER_CONFIG (see docs/worker.md) or pass --config FILE')
  }
  return parseRecoverConfig(env.EXACTLY_RECOVER_CONFIG)
}

export async function runRecover(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const stderr = pino.destination({ dest: 2, sync: true })
  let config: RecoverConfig
  try {
    config = readConfig(args, env)
  } catch (error) {
    pino(stderr).error((error as Error).message)
    return 2
  }
  const log = pino(
    { base: { job: config.job.name, namespace: config.job.namespace, generation: config.generation } },
    stderr,
  )
  let kafka: KafkajsClient
  try {
    kafka = new KafkajsClient({
      brokers: config.kafka.bootstrapServers,
      clientId: `exactly-recover-${config.job.name}`,
      security: config.kafka.security,
      aclHints: aclHintsOf(config),
    })
  } catch (error) {
    log.error({ err: error }, (error as Error).message)
    return 1
  }
  const s3 = config.checkpoint.storage
  const store = s3StoreFromEnv(s3, env)
  try {
    await kafka.connect()
    log.info(
      { parallelism: config.parallelism, nextGeneration: config.nextGeneration },
      `recovering generation ${config.generation}: commit, fence, write the restore point`,
    )
    const result = await recoverGeneration({
      job: config.job,
      generation: config.generation,
      parallelism: config.parallelism,
      nextGeneration: config.nextGeneration,
      reason: config.reason,
      sourceTopics: config.kafka.sourceTopics,
      outputTopics: config.kafka.outputTopics,
      startFrom: config.kafka.startFrom,
      startAt: config.kafka.startAt,
      transactionTimeoutMs: config.kafka.transactionTimeoutMs,
      transactionalIdPrefix: config.kafka.transactionalIdPrefix,
      kafka,
      store,
      prefix: s3.prefix,
      uidDirectory: s3.uidDirectory,
      log,
      restore: config.restore,
      ...(config.savepoint ? { savepoint: config.savepoint } : {}),
      deleteStorage: config.deleteStorage,
      disposeSavepoints: config.disposeSavepoints,
      storeForBucket: (bucket) => s3StoreFromEnv({ ...s3, bucket }, env),
    })
    process.stdout.write(`${JSON.stringify(result)}\n`)
    log.info({ restorePoint: result.restorePoint }, `generation ${config.generation} closed`)
    // What the operator must show, not only log: lost output travels in the termination log.
    const lost = result.slots.flatMap((s) => (s.lostTransaction ? [`slot ${s.slot}: ${s.lostTransaction}`] : []))
    if (lost.length > 0) {
      writeTerminationLog(
        'TransactionExpired',
        `Closing generation ${config.generation}, recovery found pre-committed transaction(s) the broker had already aborted (${lost.join('; ')}): their output is lost; raise spec.kafka.transactionTimeout`,
      )
    }
    return 0
  } catch (error) {
    log.error({ err: error }, (error as Error).message)
    writeTerminationLog(reasonOf(error as Error), (error as Error).message)
    return 1
  } finally {
    // kafkajs's disconnect can wait on a broker that is down: exit anyway after 5 s.
    await Promise.race([kafka.close().catch(() => {}), sleep(5000)])
  }
}
