/**
 * The exactly-once chaos suite (issue 5). The bank-transfers job runs under the operator,
 * installed with helm as users install it (two replicas on the node agent, watching one
 * namespace), against a Kafka broker this test owns. While 200,000 seeded commands are produced
 * at a steady bounded rate, the test, at moments drawn from the seeded PRNG, SIGKILLs worker
 * processes, kills the leading operator once, restarts the broker once, rescales 3 → 4 and later
 * upgrades the job config. Then: the StreamJob is Ready with status.workers true to the pods, no
 * transaction is open on the sink partitions, `exactly verify` finds every event exactly once and
 * the bank invariant holds, and deleting the StreamJob leaves no pod and no open transaction.
 *
 *   CHAOS_SEED=<n>   replays a run: the same commands, and the same chaos plan (times, order,
 *                    which pod of the sorted live ones is killed); the pods that exist at a
 *                    moment still depend on timing.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { V1Pod } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { expectedBank } from '../../examples/bank-transfers/expected.ts'
import { generateBankCommands, mulberry32 } from '../../examples/bank-transfers/generate.ts'
import { compareOutput } from '../../examples/verify-model.ts'
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { readToEnd } from '../../runtime/kafka/read-to-end.ts'
import { pidOf } from '../../stack/node-agent/pod-status.ts'
import { REPO_ROOT as ROOT } from '../../stack/repo-root.ts'
import { type Stack, startStack } from '../../stack/stack.ts'
import { createTopic, kafkaFor } from '../../stack/topics.ts'
import { type BankTopics, bankJob, type FeedProgress, feedAtRate, logger, workerStatus } from './bank-job.ts'
import { OperatorHarness } from './operator-harness.ts'

// ---- The run's size. Measured on this machine (2 cores, shared) on 2026-11-25, through the
// operator at parallelism 3 with no chaos: 10,000 commands produced as fast as one producer
// goes (4–5 s) were processed, credits included, within 0.4 s of the last send; 120,000 at
// ~3,800/s (the producer's limit) left no lag at any sample. 2,000/s is about half of that:
// room to catch up after each outage, and ~100 s of production for the chaos to spread over,
// which keeps a warm `make test` under 10 minutes.
const COMMANDS = 200_000
const ACCOUNTS = 500
const RATE_PER_SECOND = 2000
const BATCH = 100
const WORKER_KILLS = 12
const MIN_WORKER_KILLS = 10
const JOB = 'bank'
const PARTITIONS = 6 // ≥ 4: every slot has a partition after the rescale

const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : (Math.random() * 2 ** 32) >>> 0
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
  throw new Error(`CHAOS_SEED must be an integer in [0, 2^32), got "${process.env.CHAOS_SEED}"`)
}
const t0 = Date.now()
const say = logger(t0)
say(`chaos seed ${seed} (replay with CHAOS_SEED=${seed})`)

const stack = inject('stack')
if (!stack.s3 || !stack.kube) throw new Error('The integration stack lacks S3 or Kubernetes')
const h = new OperatorHarness(stack)
let own: Stack | undefined
let bootstrap = ''
let topics: BankTopics
const stopEverything = new AbortController()
let feeder: { progress: FeedProgress; finished: Promise<FeedProgress> } | undefined
let passed = false

const workerLabel = 'app.kubernetes.io/component'
const isLiveWorker = (p: V1Pod) =>
  p.metadata?.labels?.[workerLabel] === 'worker' && !p.metadata?.deletionTimestamp && p.status?.phase === 'Running'
const condition = (job: StreamJob, type: string) => job.status?.conditions?.find((c) => c.type === type)

beforeAll(async () => {
  // One after the other: helm first, so the operator pods start on a machine not yet busy
  // starting a second broker.
  await h.install()
  say(`operator installed: release ${h.release} in ${h.system}, watching ${h.namespace}`)
  // Under exactly-stacks/ with a stack.json naming this process: if this run is SIGKILLed, the
  // next integration run's global setup stops the broker (sweepOrphanStacks).
  const dir = join(tmpdir(), 'exactly-stacks', `${Date.now()}-${process.pid}-chaos-kafka`)
  mkdirSync(dir, { recursive: true })
  own = await startStack({ dir, kafka: true })
  bootstrap = own.info.kafka!.bootstrap
  const kafka = kafkaFor(bootstrap)
  topics = {
    commands: await createTopic(kafka, 'chaos-commands', PARTITIONS),
    credits: await createTopic(kafka, 'chaos-credits', PARTITIONS),
    events: await createTopic(kafka, 'chaos-events', PARTITIONS),
  }
  say(`own broker at ${bootstrap} (logs in ${dir}/logs); topics ${Object.values(topics).join(', ')}`)
}, 360_000)

afterAll(async () => {
  stopEverything.abort()
  await Promise.race([feeder?.finished.catch(() => {}), sleep(10_000)])
  const problems = await h.cleanup([JOB])
  await own?.stop()
  // The broker's data (~70 MB) is kept only when the test failed, to look at; its logs always.
  if (passed && own) rmSync(join(own.info.dir, 'kafka', 'data'), { recursive: true, force: true })
  say(`cleaned up${problems.length ? `, with problems:\n  ${problems.join('\n  ')}` : ''}`)
}, 300_000)

interface ChaosEvent {
  at: number
  kind: 'killWorker' | 'killLeader' | 'restartBroker' | 'rescale' | 'upgrade'
}

/** The chaos plan: what happens when, in ms after the feed starts, from the seed alone. */
function chaosPlan(random: () => number, feedMs: number): ChaosEvent[] {
  const within = (from: number, to: number) => Math.round(feedMs * (from + (to - from) * random()))
  const plan: ChaosEvent[] = [
    { kind: 'rescale', at: within(0.12, 0.3) },
    { kind: 'restartBroker', at: within(0.35, 0.5) },
    { kind: 'upgrade', at: within(0.55, 0.75) },
    { kind: 'killLeader', at: within(0.1, 0.85) },
  ]
  for (let i = 0; i < WORKER_KILLS; i++) plan.push({ kind: 'killWorker', at: within(0.03, 0.92) })
  return plan.sort((a, b) => a.at - b.at)
}

interface Observations {
  kills: Array<{ pod: string; pid: number; at: number }>
  missedKills: number
  leaderKilled?: { pod: string; pid: number }
  nextLeader?: { pod: string; afterMs: number }
  brokerRestartMs?: number
  /** Highest status.restarts seen per generation (the operator resets it for each generation). */
  restartsByGeneration: Map<number, number>
  workerPodsSeen: Set<string>
  phases: string[]
}

const seen: Observations = {
  kills: [],
  missedKills: 0,
  restartsByGeneration: new Map(),
  workerPodsSeen: new Set(),
  phases: [],
}

/** Watches the StreamJob and its pods every second until `signal`: phases, restarts, pods. */
async function observe(signal: AbortSignal): Promise<void> {
  let lastPhase = ''
  while (!signal.aborted) {
    try {
      const job = await h.readJob(JOB)
      const phase = `${job.status?.phase} g${job.status?.current?.generation ?? '?'}×${job.status?.current?.parallelism ?? '?'}${job.status?.transition ? ` (${job.status.transition.kind} ${job.status.transition.stage})` : ''}`
      if (phase !== lastPhase) {
        say(`StreamJob: ${phase}`)
        seen.phases.push(phase)
        lastPhase = phase
      }
      const generation = job.status?.current?.generation ?? 0
      const restarts = job.status?.restarts ?? 0
      seen.restartsByGeneration.set(generation, Math.max(seen.restartsByGeneration.get(generation) ?? 0, restarts))
      for (const pod of await h.jobPods(JOB)) {
        if (pod.metadata?.labels?.[workerLabel] === 'worker') seen.workerPodsSeen.add(pod.metadata.name!)
      }
    } catch {
      // the API server is busy: look again
    }
    await sleep(1000, undefined, { signal }).catch(() => {})
  }
}

/** Waits for a running worker process (at most 30 s), then SIGKILLs one chosen by `random`. */
async function killWorker(random: () => number): Promise<void> {
  const choice = random()
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && !stopEverything.signal.aborted) {
    // A killed process shows as Running until the node agent reports it: never count it twice.
    const killed = new Set(seen.kills.map((k) => k.pid))
    const live = (await h.jobPods(JOB))
      .filter((p) => isLiveWorker(p) && pidOf(p) && !killed.has(pidOf(p)!))
      .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!))
    if (live.length > 0) {
      const victim = live[Math.floor(choice * live.length)]!
      const pid = pidOf(victim)!
      try {
        process.kill(pid, 'SIGKILL')
        seen.kills.push({ pod: victim.metadata!.name!, pid, at: Date.now() - t0 })
        say(`SIGKILL worker ${victim.metadata!.name} (pid ${pid}); kill #${seen.kills.length}`)
        return
      } catch {
        // it ended on its own meanwhile: pick again
      }
    }
    await sleep(500)
  }
  seen.missedKills++
  say('no worker process was running for 30 s: this kill is skipped')
}

async function killLeader(): Promise<void> {
  const leader = await h.waitFor(
    'an operator replica holds the Lease with a running process',
    JOB,
    async () => {
      const l = await h.leader()
      return l.pid ? l : undefined
    },
    60_000,
  )
  const killedAt = Date.now()
  process.kill(leader.pid!, 'SIGKILL')
  seen.leaderKilled = { pod: leader.pod, pid: leader.pid! }
  say(`SIGKILL the leading operator ${leader.pod} (pid ${leader.pid})`)
  // Who leads next, and when (in the background: the chaos goes on meanwhile).
  void (async () => {
    while (Date.now() - killedAt < 90_000 && !stopEverything.signal.aborted) {
      const next = await h.leader().catch(() => undefined)
      // A new process holds the Lease and has renewed it since the kill.
      if (next?.pid && next.pid !== leader.pid && next.renewedAt > killedAt) {
        seen.nextLeader = { pod: next.pod, afterMs: Date.now() - killedAt }
        say(`${next.pod} (pid ${next.pid}) leads ${seen.nextLeader.afterMs} ms after the kill`)
        return
      }
      await sleep(500)
    }
  })()
}

/** Waits (bounded) until no layout change is in progress: a broker restart then hits workers only. */
async function waitNoTransition(what: string, timeoutMs = 180_000): Promise<StreamJob> {
  return h.waitFor(
    what,
    JOB,
    async () => {
      const job = await h.readJob(JOB)
      return job.status?.transition || job.status?.current?.running === false ? undefined : job
    },
    timeoutMs,
  )
}

async function runChaos(plan: ChaosEvent[], random: () => number, feedStart: number): Promise<void> {
  // The broker restart takes tens of seconds: it runs beside the other events, not before them.
  let brokerRestart: Promise<void> | undefined
  for (const event of plan) {
    const wait = feedStart + event.at - Date.now()
    if (wait > 0) await sleep(wait, undefined, { signal: stopEverything.signal })
    if (stopEverything.signal.aborted) return
    switch (event.kind) {
      case 'killWorker':
        await killWorker(random)
        break
      case 'killLeader':
        await killLeader()
        break
      case 'rescale':
        await h.patchJob(JOB, { spec: { parallelism: 4 } })
        say('patched spec.parallelism 3 → 4')
        break
      case 'upgrade': {
        // The layout changes and the broker restart do not overlap: a recover pod that cannot
        // reach the broker is retried only maxRecoverAttempts (5) times before the job is Failed.
        await brokerRestart
        // A separate generation from the rescale: wait until that one runs (bounded).
        await h.waitFor(
          'the rescale is done (generation 2 runs) before the upgrade',
          JOB,
          async () => {
            const job = await h.readJob(JOB)
            return (job.status?.current?.generation ?? 0) >= 2 && !job.status?.transition ? true : undefined
          },
          180_000,
        )
        await h.patchJob(JOB, { spec: { job: { config: { chaosUpgrade: `seed-${seed}` } } } })
        say('patched spec.job.config (added chaosUpgrade): an upgrade')
        break
      }
      case 'restartBroker': {
        brokerRestart = (async () => {
          await waitNoTransition('no layout change is in progress before the broker restart')
          const started = Date.now()
          say('restarting the Kafka broker…')
          await own!.restartKafka()
          seen.brokerRestartMs = Date.now() - started
          say(`the Kafka broker is back after ${seen.brokerRestartMs} ms`)
        })()
        brokerRestart.catch(() => {}) // handled by the await below; not an unhandled rejection meanwhile
        break
      }
    }
  }
  await brokerRestart
}

/** Every slot of the running generation ready with no lag, `forMs` in a row (credits loop back). */
async function waitQuiet(forMs: number, timeoutMs: number): Promise<void> {
  let since: number | undefined
  await h.waitFor(
    `the job is quiet (every worker ready with lag 0 for ${forMs / 1000}s)`,
    JOB,
    async () => {
      const job = await h.readJob(JOB)
      const pods = new Map((await h.jobPods(JOB)).map((p) => [p.metadata!.name!, p]))
      const slots = job.status?.workers ?? []
      const reports = await Promise.all(
        slots.map((w) => {
          const pod = w.pod ? pods.get(w.pod) : undefined
          return pod ? workerStatus(pod) : undefined
        }),
      )
      const quiet =
        job.status?.phase === 'Running' &&
        slots.length === job.spec.parallelism &&
        reports.every((r) => r?.ready && r.lag === 0)
      since = quiet ? (since ?? Date.now()) : undefined
      return since !== undefined && Date.now() - since >= forMs ? true : undefined
    },
    timeoutMs,
  )
}

describe('exactly-once under chaos', () => {
  it(
    `bank transfers: ${COMMANDS} commands through worker kills, an operator kill, a broker restart, a rescale and an upgrade`,
    async () => {
      const commands = generateBankCommands(seed, COMMANDS, ACCOUNTS)
      const random = mulberry32(seed ^ 0x9e3779b9)
      const feedMs = (COMMANDS / RATE_PER_SECOND) * 1000
      const plan = chaosPlan(random, feedMs)
      say(`plan (s after the feed starts): ${plan.map((e) => `${e.kind}@${(e.at / 1000).toFixed(0)}`).join(', ')}`)

      await h.createJob(bankJob(stack, { name: JOB, namespace: h.namespace, bootstrap, topics, parallelism: 3 }))
      const started = await h.waitFor(
        'the StreamJob is Running and Ready with 3 workers',
        JOB,
        async () => {
          const job = await h.readJob(JOB)
          return job.status?.phase === 'Running' && condition(job, 'Ready')?.status === 'True' ? job : undefined
        },
        120_000,
      )
      expect(started.status?.workers?.map((w) => w.pod)).toEqual(['bank-g1-s0-a1', 'bank-g1-s1-a1', 'bank-g1-s2-a1'])

      const observing = new AbortController()
      const observer = observe(AbortSignal.any([observing.signal, stopEverything.signal]))
      const feedStart = Date.now()
      feeder = feedAtRate(kafkaFor(bootstrap), topics.commands, commands, {
        ratePerSecond: RATE_PER_SECOND,
        batch: BATCH,
        signal: stopEverything.signal,
      })
      const progress = setInterval(
        () => say(`fed ${feeder!.progress.sent}/${COMMANDS} (send retries ${feeder!.progress.retries})`),
        20_000,
      )
      try {
        await Promise.all([runChaos(plan, random, feedStart), feeder.finished])
      } finally {
        clearInterval(progress)
      }
      say(`feed done: ${feeder.progress.sent} commands in ${((Date.now() - feedStart) / 1000).toFixed(0)} s`)
      expect(feeder.progress.sent).toBe(COMMANDS)

      // ---- The job settles: generation 3 (rescale, then upgrade), 4 slots, quiet.
      await h.waitFor(
        'generation 3 runs with 4 workers',
        JOB,
        async () => {
          const job = await h.readJob(JOB)
          return job.status?.phase === 'Running' &&
            job.status.current?.generation === 3 &&
            job.status.current.parallelism === 4
            ? true
            : undefined
        },
        180_000,
      )
      await waitQuiet(5000, 240_000)
      say('the job is quiet')

      // ---- status true to the pods: one live worker per slot, the pods named exist and run.
      const settled = await h.waitFor(
        'status.workers names one running, ready pod per slot and no other pod is left',
        JOB,
        async () => {
          const job = await h.readJob(JOB)
          const pods = await h.jobPods(JOB)
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
          return trueToPods && noOthers ? { job, pods } : undefined
        },
        90_000,
      )
      const { job } = settled
      expect(job.status?.workers?.map((w) => [w.slot, w.generation])).toEqual([
        [0, 3],
        [1, 3],
        [2, 3],
        [3, 3],
      ])
      expect(new Set(settled.pods.map((p) => p.metadata?.name)).size).toBe(4)
      expect(job.status?.current).toMatchObject({ generation: 3, parallelism: 4, running: true })
      expect(job.status?.transition).toBeUndefined()
      expect(job.status?.observedGeneration).toBe(job.metadata.generation)
      const conditions = Object.fromEntries((job.status?.conditions ?? []).map((c) => [c.type, c.status]))
      expect(conditions).toMatchObject({
        Ready: 'True',
        Progressing: 'False',
        Degraded: 'False',
        CheckpointHealthy: 'True',
        TransactionsClean: 'True',
        ReconciliationPaused: 'False',
      })
      expect(condition(job, 'Ready')?.reason).toBe('WorkersReady')
      say(`Ready: ${await h.kubectl('get', 'sj', '-n', h.namespace)}`)

      // ---- No transaction left open; every command exactly once (read_committed).
      const client = new KafkajsClient({ brokers: [bootstrap], clientId: 'chaos-audit' })
      await client.connect()
      try {
        const [input, output, credits] = [
          await readToEnd(client, topics.commands),
          await readToEnd(client, topics.events),
          await readToEnd(client, topics.credits),
        ]
        expect(output.openTransactions, 'open transactions on the sink').toEqual([])
        expect(credits.openTransactions, 'open transactions on the credits topic').toEqual([])
        // The feeder retries a failed send with the same idempotent producer: a command in the
        // topic twice would make the model expect it twice, so say so plainly if it happened.
        const ids = new Set(input.records.map((r) => JSON.parse(r.value!.toString()).id as string))
        expect({ inTopic: input.records.length, distinct: ids.size }).toEqual({
          inTopic: COMMANDS,
          distinct: COMMANDS,
        })
        const report = compareOutput(
          expectedBank(
            input.records.map((r) => ({
              topic: r.topic,
              partition: r.partition,
              offset: String(r.offset),
              key: r.key?.toString() ?? null,
              value: r.value?.toString() ?? null,
            })),
          ),
          output.records.map((r) => ({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })),
        )
        say(
          `audit: ${input.records.length} commands in, ${output.records.length} events out (expected ${report.expected}), ${credits.records.length} credits; duplicates ${report.duplicates.length}, missing ${report.missing.length}, unexpected ${report.unexpected.length}, invariant violations ${report.invariantViolations.length}`,
        )
        expect({
          duplicates: report.duplicates.slice(0, 5),
          missing: report.missing.slice(0, 5),
          unexpected: report.unexpected.slice(0, 5),
          invariantViolations: report.invariantViolations.slice(0, 5),
        }).toEqual({ duplicates: [], missing: [], unexpected: [], invariantViolations: [] })
        expect(report.actual).toBe(report.expected)
      } finally {
        await client.close()
      }

      // ---- The product's own audit, as a user runs it.
      const verify = await promisify(execFile)(
        process.execPath,
        [
          join(ROOT, 'runtime/cli/exactly.ts'),
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
        { timeout: 180_000, maxBuffer: 16 << 20 },
      ).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({
          code: e.code ?? 1,
          stdout: e.stdout ?? '',
          stderr: e.stderr ?? String(e),
        }),
      )
      say(`exactly verify exited ${verify.code}:\n${verify.stdout}${verify.stderr}`)
      const line = (name: string) => verify.stdout.match(new RegExp(`^${name}: +(\\d+)`, 'm'))?.[1]
      // Soft: a failing verify must not stop the deletion checks below from running.
      expect
        .soft(
          {
            exitCode: verify.code,
            verdict: verify.stdout.includes('verify: OK') ? 'OK' : 'not OK',
            inputRecords: line('input records'),
            duplicates: line('duplicates'),
            missing: line('missing'),
            unexpected: line('unexpected'),
            invariantViolations: line('invariant violations'),
            openTransactions: line('open transactions'),
          },
          `exactly verify said:\n${verify.stdout}${verify.stderr}`,
        )
        .toEqual({
          exitCode: 0,
          verdict: 'OK',
          inputRecords: String(COMMANDS),
          duplicates: '0',
          missing: '0',
          unexpected: '0',
          invariantViolations: '0',
          openTransactions: '0',
        })

      observing.abort()
      await observer
      const restarts = [...seen.restartsByGeneration.values()].reduce((a, b) => a + b, 0)
      const replaced = [...seen.workerPodsSeen].filter((n) => !/-a1$/.test(n))
      say(
        `chaos: ${seen.kills.length} worker kills (${seen.missedKills} skipped), leader ${seen.leaderKilled?.pod} killed (then ${seen.nextLeader?.pod} led after ${seen.nextLeader?.afterMs} ms), broker restarted in ${seen.brokerRestartMs} ms; restarts by generation ${JSON.stringify([...seen.restartsByGeneration])} (total ${restarts}); ${seen.workerPodsSeen.size} worker pods seen, ${replaced.length} of them replacement attempts`,
      )
      expect(seen.kills.length).toBeGreaterThanOrEqual(MIN_WORKER_KILLS)
      expect(seen.leaderKilled).toBeDefined()
      expect(seen.nextLeader, 'an operator leads again after the kill').toBeDefined()
      expect(seen.brokerRestartMs).toBeDefined()
      expect(restarts, 'each kill made the operator start a replacement').toBeGreaterThanOrEqual(1)

      // ---- Deleting the StreamJob closes its generation: no pod, no open transaction.
      await h.deleteJob(JOB)
      await h.waitFor('the StreamJob is gone', JOB, async () => ((await h.jobExists(JOB)) ? undefined : true), 120_000)
      await h.waitFor(
        'its pods are gone',
        JOB,
        async () => ((await h.jobPods(JOB)).length === 0 ? true : undefined),
        90_000,
      )
      const after = new KafkajsClient({ brokers: [bootstrap], clientId: 'chaos-audit' })
      await after.connect()
      try {
        expect((await readToEnd(after, topics.events)).openTransactions).toEqual([])
        expect((await readToEnd(after, topics.credits)).openTransactions).toEqual([])
      } finally {
        await after.close()
      }
      passed = verify.code === 0 // soft failures do not throw
      say(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s (seed ${seed})`)
    },
    25 * 60_000,
  )
})
