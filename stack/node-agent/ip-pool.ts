/**
 * Gives each pod its own loopback address (127.0.x.y), as a real node gives each pod its own
 * IP, so several pods can listen on the same port. Linux routes all of 127.0.0.0/8 to `lo`,
 * so any address in it can be bound without setup. Addresses are handed out round-robin so a
 * freed address is not reused at once (a late client of a dead pod must not reach its successor).
 */
export class LoopbackIpPool {
  readonly #inUse = new Map<string, string>()
  #next = 0
  readonly #size: number

  /** 127.0.0.1 is the node itself; pods get 127.0.0.2 onwards, skipping .0 and .255 of each /24. */
  constructor(size = 253 * 256) {
    this.#size = size
  }

  allocate(podUid: string): string {
    const existing = this.#inUse.get(podUid)
    if (existing) return existing
    const taken = new Set(this.#inUse.values())
    for (let tries = 0; tries < this.#size; tries++) {
      const ip = addressAt(this.#next)
      this.#next = (this.#next + 1) % this.#size
      if (!taken.has(ip)) {
        this.#inUse.set(podUid, ip)
        return ip
      }
    }
    throw new RangeError(`Cannot allocate a pod IP: all ${this.#size} loopback addresses are in use`)
  }

  release(podUid: string): void {
    this.#inUse.delete(podUid)
  }
}

function addressAt(index: number): string {
  const third = Math.floor(index / 253)
  const fourth = (index % 253) + 2
  return `127.0.${third}.${fourth}`
}
