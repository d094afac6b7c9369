/**
 * Which tasks (source partitions) a worker slot owns: partition p belongs to slot
 * p mod parallelism. Every source topic must have the same partition count, because task p
 * reads partition p of each of them (co-partitioning, as in Kafka Streams).
 */

export function tasksOfSlot(slot: number, parallelism: number, partitions: number): number[] {
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new RangeError(`Cannot assign tasks: parallelism must be a positive integer, got ${parallelism}`)
  }
  if (!Number.isInteger(slot) || slot < 0 || slot >= parallelism) {
    throw new RangeError(`Cannot assign tasks: slot must be in 0..${parallelism - 1}, got ${slot}`)
  }
  const tasks: number[] = []
  for (let p = slot; p < partitions; p += parallelism) tasks.push(p)
  return tasks
}

/** The shared partition count of the source topics, or an error that names the mismatch and the fix. */
export function sourcePartitionCount(counts: ReadonlyMap<string, number>): number {
  const distinct = new Set(counts.values())
  if (counts.size === 0) throw new RangeError('Cannot plan tasks: the job has no source topics (kafka.source.topics)')
  if (distinct.size > 1) {
    const list = [...counts].map(([topic, n]) => `"${topic}" has ${n}`).join(', ')
    throw new RangeError(
      `Cannot plan tasks: source topics must have the same number of partitions, but ${list}; repartition them to one count`,
    )
  }
  return [...distinct][0]!
}
