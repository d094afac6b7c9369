/** A progress line while the job runs: commands produced and events committed, when they moved. */
import type { CommandFeed } from './command-feed.ts'
import type { EventCounter } from './event-counter.ts'
import { count, event } from './narrator.ts'

export function startProgress(feed: CommandFeed, events: EventCounter, everyMs = 15_000): { stop(): void } {
  let last = ''
  const timer = setInterval(() => {
    const line = `… ${count(feed.produced)} of ${count(feed.total)} commands produced · ${count(events.committed)} of ${count(feed.expectedEvents)} events committed`
    if (line === last) return
    last = line
    event(line)
  }, everyMs)
  return { stop: () => clearInterval(timer) }
}
