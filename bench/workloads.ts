/**
 * The benchmark's workloads and the input each one reads. A workload names a job (what every
 * system computes) and an input (what is preloaded); inputs with the same shape are shared, so
 * `passthrough.100B` and `keyedCount.1e4.100B` read the same preloaded topic.
 *
 * Input records are deterministic from a seed: record i has key `k<n>` with n drawn from `keys`
 * distinct keys, and a value that starts with `i|` (its sequence number) padded to `valueBytes`.
 * The sequence number lets the check tell a duplicated record from another with the same bytes.
 */
import { commandKey, generateBankCommands, mulberry32 } from '../examples/bank-transfers/generate.ts'
import { partitionForKey } from '../runtime/sink/partitioner.ts'
import { WINDOW_MS } from './jobs/windowed-count.ts'

export type JobKind = 'passthrough' | 'keyedCount' | 'windowedCount' | 'bank'

export interface InputShape {
  kind: 'synthetic' | 'bank'
  records: number
  /** Synthetic: bytes per value. Bank: the command JSON (about 80 bytes). */
  valueBytes: number
  /** Distinct keys (bank: accounts). */
  keys: number
}

export interface Workload {
  /** Also the first part of every figure's key in latest.json, e.g. `keyedCount.1e6.100B`. */
  id: string
  job: JobKind
  input: InputShape
  /** Part of the default set; the rest runs with --full (or when named in --workloads). */
  inDefault: boolean
}

export const PARTITIONS = 4
export const SEED = 20261125
/** Accounts in the bank workload: enough that the four partitions share the load evenly. */
export const BANK_ACCOUNTS = 1000

export interface WorkloadSizes {
  /** Records per run for 100-byte values (and bank commands). */
  records100B: number
  /** Records per run for 1 KiB values. */
  records1KiB: number
}

/** Every workload of the issue: passthrough and keyed count at both record sizes, and bank. */
export function allWorkloads(sizes: WorkloadSizes): Workload[] {
  const synthetic = (valueBytes: number, keys: number): InputShape => ({
    kind: 'synthetic',
    records: valueBytes >= 1024 ? sizes.records1KiB : sizes.records100B,
    valueBytes,
    keys,
  })
  return [
    { id: 'passthrough.100B', job: 'passthrough', input: synthetic(100, 10_000), inDefault: true },
    { id: 'passthrough.1KiB', job: 'passthrough', input: synthetic(1024, 10_000), inDefault: true },
    { id: 'keyedCount.1e4.100B', job: 'keyedCount', input: synthetic(100, 10_000), inDefault: true },
    { id: 'keyedCount.1e6.100B', job: 'keyedCount', input: synthetic(100, 1_000_000), inDefault: true },
    // The keyed count's input, its sequence numbers read as event time (record i at i ms): 1-minute windows.
    { id: 'windowedCount.1e4.100B', job: 'windowedCount', input: synthetic(100, 10_000), inDefault: true },
    { id: 'keyedCount.1e4.1KiB', job: 'keyedCount', input: synthetic(1024, 10_000), inDefault: false },
    { id: 'keyedCount.1e6.1KiB', job: 'keyedCount', input: synthetic(1024, 1_000_000), inDefault: false },
    {
      id: 'bank',
      job: 'bank',
      input: { kind: 'bank', records: sizes.records100B, valueBytes: 80, keys: BANK_ACCOUNTS },
      inDefault: true,
    },
  ]
}

export function inputId(shape: InputShape): string {
  return `${shape.kind}-${shape.records}-${shape.valueBytes}-${shape.keys}`
}

export interface InputRecord {
  key: string
  value: Buffer
}

/** Record i of a synthetic input (called in order: the key stream is a seeded PRNG). */
export function syntheticRecords(shape: InputShape): { next(i: number): InputRecord } {
  const random = mulberry32(SEED ^ shape.keys)
  const pad = Buffer.alloc(shape.valueBytes, 'x')
  return {
    next(i) {
      const key = `k${Math.floor(random() * shape.keys)}`
      const value = Buffer.from(pad)
      value.write(`${i}|`, 0, 'latin1')
      return { key, value }
    },
  }
}

/** The sequence number a synthetic value starts with, or -1 if it has none. */
export function sequenceOf(value: Buffer | null): number {
  if (!value) return -1
  const bar = value.indexOf(0x7c) // '|'
  if (bar <= 0 || bar > 12) return -1
  const n = Number(value.toString('latin1', 0, bar))
  return Number.isInteger(n) ? n : -1
}

/**
 * What the windowed count must emit for a synthetic input: per (key, window start) the count of
 * its records, for the windows that close, those whose end the partition's last record reaches
 * (event time = sequence number; the watermark, max - 1, then passes end - 1). Kafka Streams
 * closes a no-grace window at the same point (stream time ≥ end). The partition of a key is
 * the preload producer's: murmur2, as Kafka's default partitioner.
 */
export function windowedCounts(shape: InputShape): Map<string, number> {
  const generator = syntheticRecords(shape)
  const counts = new Map<string, number>()
  const lastSeq = new Array<number>(PARTITIONS).fill(-1)
  const partitionOf = new Map<string, number>()
  for (let i = 0; i < shape.records; i++) {
    const { key } = generator.next(i)
    let partition = partitionOf.get(key)
    if (partition === undefined) {
      partition = partitionForKey(Buffer.from(key), PARTITIONS, 0)
      partitionOf.set(key, partition)
    }
    lastSeq[partition] = i
    const id = `${key}@${Math.floor(i / WINDOW_MS) * WINDOW_MS}`
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  for (const id of counts.keys()) {
    const at = id.lastIndexOf('@')
    const end = Number(id.slice(at + 1)) + WINDOW_MS
    if (lastSeq[partitionOf.get(id.slice(0, at))!]! < end) counts.delete(id)
  }
  return counts
}

/** The bank commands of a bank input, with their keys (the account the command acts on). */
export function bankRecords(shape: InputShape): InputRecord[] {
  return generateBankCommands(SEED, shape.records, shape.keys).map((command) => ({
    key: commandKey(command),
    value: Buffer.from(JSON.stringify(command)),
  }))
}
