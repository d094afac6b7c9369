/**
 * The chaos of the chaos suite (chaos.e2e.test.ts): a plan drawn from the seed alone, and its
 * run against the operator-managed bank job: SIGKILLed worker processes, a killed leading
 * operator, a broker restart, a rescale and an upgrade, while an observer notes the StreamJob's
 * phases, restarts and pods.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { V1Pod } from '@kubernetes/client-node'
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import { containerPid } from '../../stack/real-node/pod-inspect.ts'
import type { OperatorHarness } from '../integration/helpers/operator-harness.ts'
import { workerStatus } from './bank-job.ts'

const workerLabel = 'app.kubernetes.io/component'

/** A worker pod (not a recover pod) that runs and is not being deleted. */
export const isLiveWorker = (p: V1Pod) =>
  p.metadata?.labels?.[workerLabel] === 'worker' && !p.metadata?.deletionTimestamp && p.status?.phase === 'Running'

export interface ChaosEvent {
  at: number
  kind: 'killWorker' | 'killLeader' | 'restartBroker' | 'rescale' | 'upgrade'
}

/** The chaos plan: what happens when, in ms after the feed starts, from the seed alone. */
export function chaosPlan(random: () => number, feedMs: number, workerKills: number): ChaosEvent[] {
  const within = (from: number, to: number) => Math.round(feedMs * (from + (to - from) * random()))
  const plan: ChaosEvent[] = [
    { kind: 'rescale', at: within(0.12, 0.3) },
    { kind: 'restartBroker', at: within(0.35, 0.5) },
    { kind: 'upgrade', at: within(0.55, 0.75) },
    { kind: 'killLeader', at: within(0.1, 0.85) },
  ]
  for (let i = 0; i < workerKills; i++) plan.push({ kind: 'killWorker', at: within(0.03, 0.92) })
  return plan.sort((a, b) => a.at - b.at)
}

export interface Observations {
  /** Times are ms since the test started (t0). */
  kills: Array<{ pod: string; pid: number; at: number }>
  missedKills: number
  leaderKilled?: { pod: string; pid: number; at: number }
  nextLeader?: { pod: string; afterMs: number }
  brokerRestartMs?: number
  /** When the broker restart started and ended. */
  broker?: { from: number; to: number }
  /** The spec patches that close a generation (rescale, upgrade), and the generation each closes. */
  layoutChanges: Array<{ kind: 'rescale' | 'upgrade'; at: number; closes: number }>
  /** Highest status.restarts seen per generation (the operator resets it for each generation). */
  restartsByGeneration: Map<number, number>
  /** Every worker pod seen, with when it was first seen. */
  workerPodsSeen: Map<string, number>
  phases: string[]
}

export interface ChaosSetting {
  h: OperatorHarness
  /** The StreamJob's name. */
  job: string
  seed: number
  /** When the test started, and its timeline logger. */
  t0: number
  say: (line: string) => void
  /** Aborted when the test ends (also on failure): every loop stops. */
  stop: AbortSignal
  restartBroker: () => Promise<void>
}

/** The chaos against one StreamJob, and what was seen of it (`seen`). */
export class Chaos {
  readonly seen: Observations = {
    kills: [],
    missedKills: 0,
    layoutChanges: [],
    restartsByGeneration: new Map(),
    workerPodsSeen: new Map(),
    phases: [],
  }
  readonly #o: ChaosSetting

  constructor(setting: ChaosSetting) {
    this.#o = setting
  }

  /** Watches the StreamJob and its pods every second until `signal`: phases, restarts, pods. */
  async observe(signal: AbortSignal): Promise<void> {
    const { h, job: name, say } = this.#o
    const seen = this.seen
    let lastPhase = ''
    while (!signal.aborted) {
      try {
        const job = await h.readJob(name)
        const phase = `${job.status?.phase} g${job.status?.current?.generation ?? '?'}×${job.status?.current?.parallelism ?? '?'}${job.status?.transition ? ` (${job.status.transition.kind} ${job.status.transition.stage})` : ''}`
        if (phase !== lastPhase) {
          say(`StreamJob: ${phase}`)
          seen.phases.push(phase)
          lastPhase = phase
        }
        const generation = job.status?.current?.generation ?? 0
        const restarts = job.status?.restarts ?? 0
        seen.restartsByGeneration.set(generation, Math.max(seen.restartsByGeneration.get(generation) ?? 0, restarts))
        for (const pod of await h.jobPods(name)) {
          const podName = pod.metadata?.name
          if (pod.metadata?.labels?.[workerLabel] !== 'worker' || !podName || seen.workerPodsSeen.has(podName)) continue
          seen.workerPodsSeen.set(podName, Date.now() - this.#o.t0)
        }
      } catch {
        // the API server is busy: look again
      }
      await sleep(1000, undefined, { signal }).catch(() => {})
    }
  }

  /** Waits for a running worker process (at most 30 s), then SIGKILLs one chosen by `random`. */
  async killWorker(random: () => number): Promise<void> {
    const { h, job, say, t0, stop } = this.#o
    const seen = this.seen
    const choice = random()
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && !stop.aborted) {
      // A killed process shows as Running until the kubelet reports it: never count it twice.
      const killed = new Set(seen.kills.map((k) => k.pid))
      const live = (await h.jobPods(job))
        .filter((p) => isLiveWorker(p) && containerPid(p) && !killed.has(containerPid(p)!))
        .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!))
      if (live.length > 0) {
        const victim = live[Math.floor(choice * live.length)]!
        const pid = containerPid(victim)!
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

  async killLeader(): Promise<void> {
    const { h, job, say, stop, t0 } = this.#o
    const seen = this.seen
    const leader = await h.waitFor(
      'an operator replica holds the Lease with a running process',
      job,
      async () => {
        const l = await h.leader()
        return l.pid ? l : undefined
      },
      60_000,
    )
    const killedAt = Date.now()
    process.kill(leader.pid!, 'SIGKILL')
    seen.leaderKilled = { pod: leader.pod, pid: leader.pid!, at: killedAt - t0 }
    say(`SIGKILL the leading operator ${leader.pod} (pid ${leader.pid})`)
    // Who leads next, and when (in the background: the chaos goes on meanwhile).
    void (async () => {
      while (Date.now() - killedAt < 90_000 && !stop.aborted) {
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
  async waitNoTransition(what: string, timeoutMs = 180_000): Promise<StreamJob> {
    const { h, job: name } = this.#o
    return h.waitFor(
      what,
      name,
      async () => {
        const job = await h.readJob(name)
        return job.status?.transition || job.status?.current?.running === false ? undefined : job
      },
      timeoutMs,
    )
  }

  /** Runs the plan's events at their times after `feedStart`, until the end or `stop`. */
  async run(plan: ChaosEvent[], random: () => number, feedStart: number): Promise<void> {
    const { h, job: name, say, seed, stop, t0 } = this.#o
    const seen = this.seen
    // The broker restart takes tens of seconds: it runs beside the other events, not before them.
    let brokerRestart: Promise<void> | undefined
    for (const event of plan) {
      const wait = feedStart + event.at - Date.now()
      if (wait > 0) await sleep(wait, undefined, { signal: stop })
      if (stop.aborted) return
      switch (event.kind) {
        case 'killWorker':
          await this.killWorker(random)
          break
        case 'killLeader':
          await this.killLeader()
          break
        case 'rescale':
          await this.#closing('rescale', () => h.patchJob(name, { spec: { parallelism: 4 } }))
          say('patched spec.parallelism 3 → 4')
          break
        case 'upgrade': {
          // The layout changes and the broker restart do not overlap: a recover pod that cannot
          // reach the broker is retried only maxRecoverAttempts (5) times before the job is Failed.
          await brokerRestart
          // A separate generation from the rescale: wait until that one runs (bounded).
          await h.waitFor(
            'the rescale is done (generation 2 runs) before the upgrade',
            name,
            async () => {
              const job = await h.readJob(name)
              return (job.status?.current?.generation ?? 0) >= 2 && !job.status?.transition ? true : undefined
            },
            180_000,
          )
          await this.#closing('upgrade', () =>
            h.patchJob(name, { spec: { job: { config: { chaosUpgrade: `seed-${seed}` } } } }),
          )
          say('patched spec.job.config (added chaosUpgrade): an upgrade')
          break
        }
        case 'restartBroker': {
          brokerRestart = (async () => {
            await this.waitNoTransition('no layout change is in progress before the broker restart')
            const started = Date.now()
            say('restarting the Kafka broker…')
            await this.#o.restartBroker()
            seen.brokerRestartMs = Date.now() - started
            seen.broker = { from: started - t0, to: Date.now() - t0 }
            say(`the Kafka broker is back after ${seen.brokerRestartMs} ms`)
          })()
          brokerRestart.catch(() => {}) // handled by the await below; not an unhandled rejection meanwhile
          break
        }
      }
    }
    await brokerRestart
  }

  /** Applies a spec patch that closes the current generation, noting when and which. */
  async #closing(kind: 'rescale' | 'upgrade', patch: () => Promise<void>): Promise<void> {
    const closes = (await this.#o.h.readJob(this.#o.job)).status?.current?.generation ?? 0
    const at = Date.now() - this.#o.t0
    await patch()
    this.seen.layoutChanges.push({ kind, at, closes })
  }

  /** Every slot of the running generation ready with no lag, `forMs` in a row (credits loop back). */
  async waitQuiet(forMs: number, timeoutMs: number): Promise<void> {
    const { h, job: name } = this.#o
    let since: number | undefined
    await h.waitFor(
      `the job is quiet (every worker ready with lag 0 for ${forMs / 1000}s)`,
      name,
      async () => {
        const job = await h.readJob(name)
        const pods = new Map((await h.jobPods(name)).map((p) => [p.metadata!.name!, p]))
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
}
