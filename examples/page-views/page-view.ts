/**
 * The page-view record both windowed examples read: key = user id, value = JSON
 * `{"url":"/pricing","time":1764979200000}`, where `time` (ms since the epoch) is the event time.
 */
export interface PageView {
  url: string
  time: number
}

export function parsePageView(value: Buffer | string | null): PageView {
  if (value === null) throw new Error('page view without a value')
  const view = JSON.parse(value.toString()) as Partial<PageView>
  if (typeof view.url !== 'string' || typeof view.time !== 'number' || !Number.isFinite(view.time)) {
    throw new Error('a page view is {"url": string, "time": ms since the epoch}')
  }
  return { url: view.url, time: view.time }
}
