/**
 * Reads the Secrets a job's pods mount (spec.kafka.tls, spec.kafka.authentication), at most once
 * per `maxAgeMs` per Secret: a running job is reconciled every few seconds, and a GET per Secret
 * per pass would load the API server for nothing. A change is seen within `maxAgeMs`. Values
 * stay in this cache only as the API returned them, are hashed by the model, and are never logged.
 */
import type { KubeApi } from './kube-api.ts'

type SecretData = Readonly<Record<string, string>> | undefined

export class SecretReader {
  readonly #api: Pick<KubeApi, 'readSecretData'>
  readonly #maxAgeMs: number
  readonly #now: () => number
  readonly #cache = new Map<string, { at: number; data: Readonly<Record<string, string>> }>()

  constructor(api: Pick<KubeApi, 'readSecretData'>, maxAgeMs = 15_000, now: () => number = Date.now) {
    this.#api = api
    this.#maxAgeMs = maxAgeMs
    this.#now = now
  }

  async read(namespace: string, names: readonly string[]): Promise<Map<string, SecretData>> {
    const entries = await Promise.all(
      [...new Set(names)].map(async (name) => {
        const key = `${namespace}/${name}`
        const cached = this.#cache.get(key)
        if (cached && this.#now() - cached.at < this.#maxAgeMs) return [name, cached.data] as const
        const data = await this.#api.readSecretData(namespace, name)
        // A missing Secret is asked for again at the next pass: the job waits for it.
        if (data === undefined) this.#cache.delete(key)
        else this.#cache.set(key, { at: this.#now(), data })
        return [name, data] as const
      }),
    )
    return new Map(entries)
  }
}
