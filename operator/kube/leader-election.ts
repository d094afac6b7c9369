/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: the
 * holder renews `renewTime` every `retryPeriod`; another replica takes the lease only once it has
 * not been renewed for `leaseDuration`. A leader that cannot renew within `renewDeadline` stops
 * acting (the process exits and restarts as a follower), so two replicas never act at once for
 * longer than the lease allows. The takeover rule is the pure `mayAcquire`.
 */
import type { V1Lease } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { KubeApi } from './kube-api.ts'

export interface LeaseTiming {
  leaseDurationMs: number
  renewDeadlineMs: number
  retryPeriodMs: number
}

/** The Lease calls election makes (kube-api.ts). */
export type LeaseApi = Pick<KubeApi, 'readLease' | 'createLease' | 'replaceLease'>

export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
}

/** PURE: may `identity` take (or keep) `lease` at `now`? */
export function mayAcquire(lease: V1Lease | undefined, identity: string, now: number): boolean {
  const spec = lease?.spec
  if (!spec?.holderIdentity || spec.holderIdentity === identity) return true
  const renewed = spec.renewTime ? new Date(spec.renewTime as unknown as string).getTime() : 0
  return now - renewed > (spec.leaseDurationSeconds ?? 15) * 1000
}

/** Lease times are MicroTime (six fractional digits); the client would send a Date with three. */
function microTime(now: Date): Date {
  return now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date
}

export class LeaderElector {
  readonly #api: LeaseApi
  readonly #namespace: string
  readonly #name: string
  readonly #identity: string
  readonly #timing: LeaseTiming
  readonly #log: Logger
  readonly #clock: Clock
  #leading = false
  #lastRenew = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(o: {
    api: LeaseApi
    namespace: string
    name: string
    identity: string
    log: Logger
    clock: Clock
    timing?: LeaseTiming
  }) {
    this.#api = o.api
    this.#namespace = o.namespace
    this.#name = o.name
    this.#identity = o.identity
    this.#timing = o.timing ?? DEFAULT_LEASE_TIMING
    this.#log = o.log
    this.#clock = o.clock
  }

  get leading(): boolean {
    return this.#leading
  }

  /** Resolves once this replica leads; calls `onLost` if it later cannot renew. */
  run(onLost: () => void): Promise<void> {
    return new Promise((resolve) => {
      const tick = async () => {
        try {
          const held = await this.#tryAcquireOrRenew()
          if (held) {
            this.#lastRenew = this.#clock.now()
            if (!this.#leading) {
              this.#leading = true
              this.#log.info({ lease: `${this.#namespace}/${this.#name}` }, 'became the leader')
              resolve()
            }
          } else if (this.#leading) this.#lose(onLost, 'another replica holds the lease')
        } catch (error) {
          this.#log.warn({ err: error }, 'cannot reach the lease')
          if (this.#leading && this.#clock.now() - this.#lastRenew > this.#timing.renewDeadlineMs) {
            this.#lose(onLost, `could not renew the lease for ${this.#timing.renewDeadlineMs} ms`)
          }
        }
        this.#timer = setTimeout(tick, this.#timing.retryPeriodMs)
      }
      void tick()
    })
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer)
  }

  #lose(onLost: () => void, why: string): void {
    this.#leading = false
    this.#log.error({ why }, 'lost the leadership: stopping')
    onLost()
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date(this.#clock.now())
    const lease = await this.#api.readLease(this.#namespace, this.#name)
    if (!mayAcquire(lease, this.#identity, now.getTime())) return false
    const taking = lease?.spec?.holderIdentity !== this.#identity
    const spec = {
      holderIdentity: this.#identity,
      leaseDurationSeconds: Math.ceil(this.#timing.leaseDurationMs / 1000),
      renewTime: microTime(now),
      ...(taking
        ? { acquireTime: microTime(now), leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (lease ? 1 : 0) }
        : {}),
    }
    if (!lease) {
      await this.#api.createLease({ metadata: { name: this.#name, namespace: this.#namespace }, spec })
    } else {
      // resourceVersion in the body makes this a compare-and-swap: a racing replica gets 409.
      await this.#api.replaceLease({ ...lease, spec: { ...lease.spec, ...spec } })
    }
    return true
  }
}
