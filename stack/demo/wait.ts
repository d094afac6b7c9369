/** Polling until something holds, with a deadline that names what was awaited. */
import { setTimeout as sleep } from 'node:timers/promises'

export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting until ${what}`)
    await sleep(250)
  }
}
