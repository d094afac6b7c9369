/**
 * The demo's input: bank commands from the seeded generator, produced to the commands topic at
 * a steady rate in the background, keyed by the account they act on (as the job expects).
 * Knows in advance how many events the job must emit for them.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { commandKey, generateBankCommands } from '../../examples/bank-transfers/generate.ts'

export interface CommandFeed {
  readonly total: number
  /** Events the job must write: one per deposit, a debit and a credit per transfer. */
  readonly expectedEvents: number
  /** The sum of all deposits: what the final balances must add up to. */
  readonly deposited: number
  readonly produced: number
  /** Resolves when every command is produced; rejects if producing fails for good. */
  readonly done: Promise<void>
  stop(): Promise<void>
}

export function startCommandFeed(options: {
  bootstrap: string
  topic: string
  seed: number
  count: number
  accounts: number
  perSecond: number
}): CommandFeed {
  const commands = generateBankCommands(options.seed, options.count, options.accounts)
  let expectedEvents = 0
  let deposited = 0
  for (const c of commands) {
    expectedEvents += c.type === 'transfer' ? 2 : 1
    if (c.type === 'deposit') deposited += c.amount
  }
  const kafka = new Kafka({ clientId: 'exactly-demo-feed', brokers: [options.bootstrap], logLevel: logLevel.NOTHING })
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  let produced = 0
  let stopped = false

  const run = async () => {
    await producer.connect()
    const start = Date.now()
    while (produced < commands.length && !stopped) {
      // Keep to the rate: send what is due by now, then wait for the next slice.
      const due = Math.min(commands.length, Math.ceil(((Date.now() - start) / 1000) * options.perSecond))
      const batch = commands.slice(produced, Math.max(due, produced + 1))
      await sendWithRetry(producer, options.topic, batch)
      produced += batch.length
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const done = run().finally(() => producer.disconnect().catch(() => {}))
  // The caller awaits `done` later; do not let a failure count as unhandled before that.
  done.catch(() => {})

  return {
    total: commands.length,
    expectedEvents,
    deposited,
    get produced() {
      return produced
    },
    done,
    async stop() {
      stopped = true
      await done.catch(() => {})
    },
  }
}

async function sendWithRetry(
  producer: Producer,
  topic: string,
  batch: ReturnType<typeof generateBankCommands>,
): Promise<void> {
  const messages = batch.map((c) => ({ key: commandKey(c), value: JSON.stringify(c) }))
  for (let tries = 1; ; tries++) {
    try {
      await producer.send({ topic, messages })
      return
    } catch (error) {
      if (tries >= 30) throw new Error(`Cannot produce to ${topic}: ${(error as Error).message}`, { cause: error })
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
}
