import type { V1Pod } from '@kubernetes/client-node'
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { readToEnd, type TopicContents } from '../../runtime/kafka/read-to-end.ts'
import { runExactly } from '../../stack/run-command.ts'
import type { BankTopics } from './bank-job.ts'
import { isLiveWorker } from './chaos-run.ts'

/** status.workers names one running, ready pod per slot, labelled as the slot says, and no other pod is left. */
export function statusTrueToPods(job: StreamJob, pods: readonly V1Pod[]): boolean {
  const byName = new Map(pods.map((p) => [p.metadata!.name!, p]))
  const workers = job.status?.workers ?? []
  const trueToPods = workers.every((w) => {
    const pod = w.pod ? byName.get(w.pod) : undefined
    const labels = pod?.metadata?.labels ?? {}
    return (
      pod &&
      isLiveWorker(pod) &&
      pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
      labels['exactly.dev/slot'] === String(w.slot) &&
      labels['exactly.dev/generation'] === String(w.generation) &&
      labels['exactly.dev/attempt'] === String(w.attempt) &&
      w.ready === true &&
      w.phase === 'Running'
    )
  })
  const noOthers = pods.every((p) => workers.some((w) => w.pod === p.metadata?.name))
  return trueToPods && noOthers
}

/** Each topic read to its end, one after the other, with a client of its own. */
export async function readTopics<const T extends readonly string[]>(
  bootstrap: string,
  topics: T,
): Promise<{ [K in keyof T]: TopicContents }> {
  const client = new KafkajsClient({ brokers: [bootstrap], clientId: 'chaos-audit' })
  await client.connect()
  try {
    const read: TopicContents[] = []
    for (const topic of topics) read.push(await readToEnd(client, topic))
    return read as { [K in keyof T]: TopicContents }
  } finally {
    await client.close()
  }
}

export interface CommandRun {
  code: number
  stdout: string
  stderr: string
}

/** `exactly verify` of the bank-transfers example on the suite's topics; never rejects. */
export function exactlyVerify(bootstrap: string, topics: BankTopics): Promise<CommandRun> {
  return runExactly(
    [
      'verify',
      '--bootstrap',
      bootstrap,
      '--example',
      'bank-transfers',
      '--input',
      topics.commands,
      '--output',
      topics.events,
    ],
    { timeoutMs: 180_000 },
  )
}

/** Its exit code, its verdict and the figures its report prints (undefined where one is missing). */
export function verifyFigures(verify: CommandRun) {
  const line = (name: string) => verify.stdout.match(new RegExp(`^${name}: +(\\d+)`, 'm'))?.[1]
  return {
    exitCode: verify.code,
    verdict: verify.stdout.includes('verify: OK') ? 'OK' : 'not OK',
    inputRecords: line('input records'),
    duplicates: line('duplicates'),
    missing: line('missing'),
    unexpected: line('unexpected'),
    invariantViolations: line('invariant violations'),
    openTransactions: line('open transactions'),
  }
}
