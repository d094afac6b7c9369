/**
 * User sessions: a user's page views with less than 30 s between them (event time) form one
 * session; when the watermark passes a session's end (last view + 30 s), its result is emitted:
 * key = user, value = {start, end, views, pages} (distinct URLs, sorted). Views up to 5 s out of
 * order are fine; a view for a session already emitted is late and dropped (counted).
 */
import { defineJob, session, windowed } from 'exactly/runtime'
import { parsePageView } from '../page-views/page-view.ts'

export const SESSION_WINDOWS = { gap: 30_000, maxOutOfOrderness: 5_000 }

type Visit = { views: number; pages: string[] }

export default defineJob(
  windowed<Visit>({
    window: session(SESSION_WINDOWS.gap),
    time: {
      timestamp: (record) => parsePageView(record.value).time,
      maxOutOfOrderness: SESSION_WINDOWS.maxOutOfOrderness,
    },
    aggregate: {
      create: () => ({ views: 0, pages: [] }),
      add: (visit, record) => ({
        views: visit.views + 1,
        pages: union(visit.pages, [parsePageView(record.value).url]),
      }),
      merge: (a, b) => ({ views: a.views + b.views, pages: union(a.pages, b.pages) }),
    },
    result: ({ key, start, end, value }) => ({
      key,
      value: JSON.stringify({ start, end, views: value.views, pages: value.pages }),
    }),
  }),
)

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort()
}
