/**
 * Stops kafkajs 2.2.4 from arming a 1 ms timer loop on every connection, the source of Node's
 * "TimeoutNegativeWarning: -17… is a negative number".
 *
 * Cause (`src/network/requestQueue/index.js`, `scheduleCheckPendingRequests`): after every
 * response it computes `throttledUntil - Date.now()`; with no throttling `throttledUntil` is -1,
 * so the delay is about minus the current epoch time, and with no pending request it still calls
 * `setTimeout(check, <negative>)`. Node 24 warns and clamps it to 1 ms; the timer then re-arms
 * itself from `checkPendingRequests`, so each connection wakes up every millisecond until it
 * is closed.
 *
 * Fix, on our connections only (node_modules stays untouched): every connection pool our
 * cluster builds gets a per-instance `scheduleCheckPendingRequests` that arms a timer only when
 * requests are actually waiting, after the throttle time or 10 ms (kafkajs's own interval).
 */
import type { ConnectionPoolBuilder, RequestQueueInternals } from './internals.ts'

const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10

export function withoutIdleTimers(builder: ConnectionPoolBuilder): void {
  const build = builder.build.bind(builder)
  builder.build = async (destination) => {
    const pool = await build(destination)
    for (const connection of pool.pool) scheduleOnlyWhenPending(connection.requestQueue)
    return pool
  }
}

function scheduleOnlyWhenPending(queue: RequestQueueInternals): void {
  queue.scheduleCheckPendingRequests = () => {
    if (queue.throttleCheckTimeoutId !== null || queue.pending.length === 0) return
    const throttledForMs = queue.throttledUntil - Date.now()
    queue.throttleCheckTimeoutId = setTimeout(
      () => {
        queue.throttleCheckTimeoutId = null
        queue.checkPendingRequests()
      },
      throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    )
  }
}
