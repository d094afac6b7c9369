/**
 * Builds keyed state of a chosen size for the checkpoint rows: the first record of each key
 * stores a value of `valueBytes` characters under it, and nothing is emitted. A record whose
 * value starts with "u" (an update) replaces the key's value with a new one, so a checkpoint
 * has changed state to store while the size stays the same. The value is
 * pseudo-random (base64 of a PRNG seeded by the key), so no layer can shrink it by compressing,
 * and deterministic, as a job must be: replaying a record rebuilds the same state.
 */
import { defineJob } from 'exactly/runtime'

interface StateFillConfig {
  valueBytes: number
}

export default defineJob<StateFillConfig>({
  process(record, ctx) {
    const key = record.key?.toString()
    if (key === undefined) throw new Error('record without a key: the state fill needs one')
    const value = record.value?.toString() ?? ''
    if (value.startsWith('u')) ctx.state.set(key, filler(`${key}/${value}`, ctx.config.valueBytes))
    else if (!ctx.state.has(key)) ctx.state.set(key, filler(key, ctx.config.valueBytes))
  },
})

function filler(key: string, length: number): string {
  let seed = 2166136261
  for (let i = 0; i < key.length; i++) seed = Math.imul(seed ^ key.charCodeAt(i), 16777619)
  const bytes = Buffer.allocUnsafe(Math.ceil((length * 3) / 4 / 4) * 4)
  for (let i = 0; i < bytes.length; i += 4) {
    // Mulberry32: a small, fast, seedable PRNG.
    seed = (seed + 0x6d2b79f5) | 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    bytes.writeUInt32LE((t ^ (t >>> 14)) >>> 0, i)
  }
  return bytes.toString('base64').slice(0, length)
}
