/**
 * Page views for tests and the demo: per user, views a few seconds apart with pauses long enough
 * to end a session, mostly in order, some a little out of order (within 5 s) and a few late
 * (beyond the window's lateness). Deterministic for a seed.
 */
import type { PageView } from './page-view.ts'

const URLS = ['/', '/pricing', '/docs', '/blog', '/signup', '/login']

export function generatePageViews(
  count: number,
  options: { users?: number; start?: number; seed?: number } = {},
): Array<{ key: string; value: string; view: PageView }> {
  let seed = options.seed ?? 42
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  const users = options.users ?? 20
  const clock = new Map<string, number>()
  const out: Array<{ key: string; value: string; view: PageView }> = []
  for (let i = 0; i < count; i++) {
    const user = `user-${Math.floor(random() * users)}`
    const last = clock.get(user) ?? options.start ?? 1_764_979_200_000
    // Mostly a few seconds on; sometimes a pause that ends a session (30 s gap) or a window.
    const step = random() < 0.1 ? 35_000 + Math.floor(random() * 60_000) : Math.floor(random() * 4_000)
    const now = last + step
    clock.set(user, now)
    const roll = random()
    const skew =
      roll < 0.1 ? -Math.floor(random() * 5_000) : roll < 0.13 ? -(20_000 + Math.floor(random() * 60_000)) : 0
    const view = { url: URLS[Math.floor(random() * URLS.length)]!, time: now + skew }
    out.push({ key: user, value: JSON.stringify(view), view })
  }
  return out
}
