/**
 * The chaos suite's account of restarts: every restart the operator made is matched with its
 * cause, and every worker kill the test landed with the restart it caused, or with the layout
 * change that closed its generation before the operator could restart it.
 *
 * A worker pod is `<job>-g<generation>-s<slot>-a<attempt>`; the operator starts attempt k+1 of a
 * slot only to replace attempt k (a restart; an unrequested clean exit would be the one other
 * reason, and shows as a mismatch with status.restarts). So the restarts of generation g are
 * the sum over its slots of (highest attempt seen - 1), and attempt k of a slot was replaced iff
 * a higher attempt of that slot was seen. The highest attempt of a slot lives until its
 * generation closes, so the observer (a poll every second) sees it.
 *
 * The bounds, from the test's StreamJob and the worker's deadlines:
 * - REACT_MS (10 s): the operator restarts a killed worker after its backoff (1 s doubling to
 *   5 s, spec.restartPolicy.backoff) plus at most 5 s for the kubelet to report the exit and
 *   the operator to act. A kill not replaced must have landed at most this long before the test
 *   patched the spec to close its generation (the layout change then stops the generation and
 *   a recover pod settles its slots instead), or, when the leading operator was down, at most this
 *   long before the next leader took over, if that was after the patch.
 * - BROKER_MS (90 s): a restart whose predecessor was not killed by the test must come from the
 *   broker restart: a worker that cannot reach Kafka fails after its request timeout (30 s) or
 *   its checkpoint timeout (30 s in the chaos job), then backoff (≤ 5 s) and a poll. Its
 *   replacement must be first seen between the broker's stop and BROKER_MS after it was back.
 */

import type { Observations } from './chaos-run.ts'

export const REACT_MS = 10_000
export const BROKER_MS = 90_000

export interface RestartEvidence {
  /** Kills landed: the pod and when (ms since the test started), as Observations.kills. */
  kills: ReadonlyArray<{ pod: string; at: number }>
  /** Every worker pod seen, with when it was first seen (ms since the test started). */
  podsFirstSeen: ReadonlyMap<string, number>
  /** Highest status.restarts seen per generation. */
  restartsByGeneration: ReadonlyMap<number, number>
  /** Spec patches that close a generation: when, and which generation was current then. */
  layoutChanges: ReadonlyArray<{ at: number; closes: number }>
  /** When the leading operator was killed and when the next leader took over (ms since start). */
  leaderGap?: { from: number; to: number }
  /** When the broker restart started and ended (ms since start). */
  broker?: { from: number; to: number }
}

/** The evidence the chaos run's observer gathered. */
export function evidenceOf(seen: Observations): RestartEvidence {
  const leader = seen.leaderKilled
  return {
    kills: seen.kills,
    podsFirstSeen: seen.workerPodsSeen,
    restartsByGeneration: seen.restartsByGeneration,
    layoutChanges: seen.layoutChanges,
    ...(leader && seen.nextLeader ? { leaderGap: { from: leader.at, to: leader.at + seen.nextLeader.afterMs } } : {}),
    ...(seen.broker ? { broker: seen.broker } : {}),
  }
}

export interface RestartAccount {
  /** status.restarts summed over the generations. */
  statusRestarts: number
  /** The same, counted from the attempts of the pods seen. */
  podRestarts: number
  /** Landed kills whose slot got its next attempt. */
  killsRestarted: string[]
  /** Landed kills that a layout change settled (within the bounds above). */
  killsClosedByLayoutChange: string[]
  /** Restarts not caused by a kill, whose replacement came during the broker restart. */
  brokerRestarts: string[]
  /** Anything not accounted for; the test asserts this is empty. */
  unexplained: string[]
}

const POD = /-g(\d+)-s(\d+)-a(\d+)$/

function parse(pod: string): { generation: number; slot: number; attempt: number } | undefined {
  const m = POD.exec(pod)
  return m ? { generation: Number(m[1]), slot: Number(m[2]), attempt: Number(m[3]) } : undefined
}

export function accountRestarts(e: RestartEvidence): RestartAccount {
  const account: RestartAccount = {
    statusRestarts: [...e.restartsByGeneration.values()].reduce((a, b) => a + b, 0),
    podRestarts: 0,
    killsRestarted: [],
    killsClosedByLayoutChange: [],
    brokerRestarts: [],
    unexplained: [],
  }
  const highest = new Map<string, number>()
  const slotOf = (p: { generation: number; slot: number }) => `g${p.generation}-s${p.slot}`
  for (const pod of e.podsFirstSeen.keys()) {
    const p = parse(pod)
    if (p) highest.set(slotOf(p), Math.max(highest.get(slotOf(p)) ?? 0, p.attempt))
  }
  const podRestartsOf = new Map<number, number>()
  for (const [slot, attempt] of highest) {
    const generation = Number(/^g(\d+)/.exec(slot)![1])
    podRestartsOf.set(generation, (podRestartsOf.get(generation) ?? 0) + attempt - 1)
    account.podRestarts += attempt - 1
  }
  for (const generation of new Set([...podRestartsOf.keys(), ...e.restartsByGeneration.keys()])) {
    const byPods = podRestartsOf.get(generation) ?? 0
    const byStatus = e.restartsByGeneration.get(generation) ?? 0
    if (byPods !== byStatus) {
      account.unexplained.push(
        `generation ${generation}: status.restarts reached ${byStatus}, but the pods seen show ${byPods} replaced attempts`,
      )
    }
  }

  for (const kill of e.kills) {
    const p = parse(kill.pod)
    if (!p) {
      account.unexplained.push(`killed pod ${kill.pod} is not named as a worker attempt`)
      continue
    }
    if ((highest.get(slotOf(p)) ?? 0) > p.attempt) {
      account.killsRestarted.push(kill.pod)
      continue
    }
    // Not replaced: only a layout change closing its generation may have settled it instead.
    const change = e.layoutChanges.find((c) => c.closes === p.generation)
    const gap = e.leaderGap
    const operatorActsBy =
      gap && kill.at >= gap.from - REACT_MS && kill.at <= gap.to ? gap.to + REACT_MS : kill.at + REACT_MS
    if (change && operatorActsBy >= change.at) account.killsClosedByLayoutChange.push(kill.pod)
    else {
      account.unexplained.push(
        change
          ? `${kill.pod} was killed at ${kill.at} ms and not restarted, though the operator could act by ${operatorActsBy} ms, before the layout change at ${change.at} ms`
          : `${kill.pod} was killed at ${kill.at} ms and never restarted, and no layout change closed generation ${p.generation}`,
      )
    }
  }

  // Attempt k of a slot, by its key `g<g>-s<s>-a<k>`: first seen when, and killed by the test?
  const firstSeen = new Map<string, number>()
  for (const [pod, at] of e.podsFirstSeen) {
    const p = parse(pod)
    if (p) firstSeen.set(`${slotOf(p)}-a${p.attempt}`, at)
  }
  const killedKeys = new Set(
    e.kills.flatMap((k) => (parse(k.pod) ? [`${slotOf(parse(k.pod)!)}-a${parse(k.pod)!.attempt}`] : [])),
  )
  for (const [slot, top] of highest) {
    for (let attempt = 1; attempt < top; attempt++) {
      const key = `${slot}-a${attempt}`
      if (killedKeys.has(key)) continue
      // When its replacement appeared: attempt + 1, or (if the poll missed that one) the next seen.
      let seenAt: number | undefined
      for (let next = attempt + 1; next <= top && seenAt === undefined; next++)
        seenAt = firstSeen.get(`${slot}-a${next}`)
      const b = e.broker
      if (b && seenAt !== undefined && seenAt >= b.from && seenAt <= b.to + BROKER_MS) account.brokerRestarts.push(key)
      else {
        account.unexplained.push(
          `${key} was replaced (its successor first seen at ${seenAt ?? '?'} ms) but the test did not kill it, and not during the broker restart (${b ? `${b.from}–${b.to} ms` : 'none'})`,
        )
      }
    }
  }
  return account
}
