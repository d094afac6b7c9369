/**
 * The output user sessions must produce, computed independently of the runtime: per source
 * partition, in offset order, each user's sessions as a sorted list of [first, last] view times;
 * a view joins (and bridges) every session it comes within the gap of; a session is emitted when
 * the watermark (largest view time - out-of-orderness - 1 ms) reaches last + gap - 1; a view
 * whose merged session would already have been emitted is late and produces nothing.
 */
import { parsePageView } from '../page-views/page-view.ts'
import type { ExpectedOutput, InputRecord } from '../verify-model.ts'
import { SESSION_WINDOWS } from './job.ts'

interface Open {
  first: number
  last: number
  views: number
  pages: Set<string>
}

export function expectedSessions(input: readonly InputRecord[], windows = SESSION_WINDOWS): ExpectedOutput {
  const { gap, maxOutOfOrderness } = windows
  const records: Array<{ key: string; value: string }> = []
  for (const partition of new Set(input.map((r) => r.partition))) {
    let watermark = Number.NEGATIVE_INFINITY
    let maxTime = Number.NEGATIVE_INFINITY
    const byUser = new Map<string, Open[]>()
    for (const r of input.filter((x) => x.partition === partition)) {
      const user = r.key ?? ''
      const view = parsePageView(r.value)
      const sessions = byUser.get(user) ?? []
      // Within the gap: the view's own window [time, time + gap) overlaps [first, last + gap).
      const touching = sessions.filter((s) => s.first < view.time + gap && view.time < s.last + gap)
      const first = Math.min(view.time, ...touching.map((s) => s.first))
      const last = Math.max(view.time, ...touching.map((s) => s.last))
      if (last + gap - 1 > watermark) {
        const merged: Open = { first, last, views: 1, pages: new Set([view.url]) }
        for (const s of touching) {
          merged.views += s.views
          for (const p of s.pages) merged.pages.add(p)
        }
        byUser.set(user, [...sessions.filter((s) => !touching.includes(s)), merged])
      }
      maxTime = Math.max(maxTime, view.time)
      watermark = Math.max(watermark, maxTime - maxOutOfOrderness - 1)
      for (const [u, list] of byUser) {
        for (const s of list.filter((x) => x.last + gap - 1 <= watermark)) {
          const value = { start: s.first, end: s.last + gap, views: s.views, pages: [...s.pages].sort() }
          records.push({ key: u, value: JSON.stringify(value) })
        }
        byUser.set(
          u,
          list.filter((x) => x.last + gap - 1 > watermark),
        )
      }
    }
  }
  return { records }
}
