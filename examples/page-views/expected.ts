/**
 * The output page views must produce, computed independently of the runtime (no timers, no
 * state store): per source partition, in offset order, a watermark that trails the largest view
 * time by the out-of-orderness and 1 ms, one-minute windows aligned to the epoch, a result per
 * (url, window) when the watermark reaches the window's last millisecond, an updated one for each
 * view within the lateness after that, and nothing for views past it.
 */
import type { ExpectedOutput, InputRecord } from '../verify-model.ts'
import { PAGE_VIEW_WINDOWS } from './job.ts'
import { parsePageView } from './page-view.ts'

export function expectedPageViews(input: readonly InputRecord[], windows = PAGE_VIEW_WINDOWS): ExpectedOutput {
  const { size, maxOutOfOrderness, allowedLateness } = windows
  const records: Array<{ key: string; value: string }> = []
  const result = (url: string, start: number, views: number, firing: string) =>
    records.push({ key: url, value: JSON.stringify({ start, end: start + size, views, firing }) })
  for (const partition of new Set(input.map((r) => r.partition))) {
    let watermark = Number.NEGATIVE_INFINITY
    let maxTime = Number.NEGATIVE_INFINITY
    // Open windows of this partition: `${start} ${url}` → views, and whether it has fired.
    const open = new Map<string, { url: string; start: number; views: number; fired: boolean }>()
    for (const r of input.filter((x) => x.partition === partition)) {
      const view = parsePageView(r.value)
      const start = Math.floor(view.time / size) * size
      const lastMs = start + size - 1
      if (lastMs + allowedLateness > watermark) {
        const id = `${start} ${view.url}`
        const w = open.get(id) ?? { url: view.url, start, views: 0, fired: false }
        open.set(id, w)
        w.views++
        if (lastMs <= watermark) {
          result(w.url, start, w.views, 'late')
          w.fired = true
        }
      }
      maxTime = Math.max(maxTime, view.time)
      watermark = Math.max(watermark, maxTime - maxOutOfOrderness - 1)
      for (const [id, w] of open) {
        const last = w.start + size - 1
        if (!w.fired && last <= watermark) {
          result(w.url, w.start, w.views, 'on-time')
          w.fired = true
        }
        if (last + allowedLateness <= watermark) open.delete(id)
      }
    }
  }
  return { records }
}
