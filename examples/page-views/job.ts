/**
 * Page views per URL per minute: tumbling one-minute windows over event time (the view's own
 * `time`), records up to 5 s out of order, and late views up to 10 s after a window closed still
 * counted (each emits an updated `late` result); later ones are dropped and counted in
 * exactly_records_dropped_total{reason="late"}. Each task (source partition) counts its own views.
 */
import { defineJob, tumbling, windowed } from 'exactly/runtime'
import { parsePageView } from './page-view.ts'

export const PAGE_VIEW_WINDOWS = { size: 60_000, maxOutOfOrderness: 5_000, allowedLateness: 10_000 }

export default defineJob(
  windowed<number>({
    window: tumbling(PAGE_VIEW_WINDOWS.size),
    time: {
      timestamp: (record) => parsePageView(record.value).time,
      maxOutOfOrderness: PAGE_VIEW_WINDOWS.maxOutOfOrderness,
    },
    key: (record) => parsePageView(record.value).url,
    aggregate: { create: () => 0, add: (views) => views + 1 },
    allowedLateness: PAGE_VIEW_WINDOWS.allowedLateness,
    late: 'drop',
    result: ({ key, start, end, value, firing }) => ({
      key,
      value: JSON.stringify({ start, end, views: value, firing }),
    }),
  }),
)
