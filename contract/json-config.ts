/**
 * JSON configuration checked by a zod schema, with one error that lists every bad field by its
 * path: "Invalid worker config: kafka.sinkTopic: must be a Kafka topic name; slot: …".
 */
import type { z } from 'zod'

export function parseJsonConfig<S extends z.ZodType>(
  schema: S,
  json: string,
  what: string,
  fail: (message: string) => Error,
): z.infer<S> {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (error) {
    throw fail(`Invalid ${what}: not JSON (${(error as Error).message})`)
  }
  const result = schema.safeParse(raw)
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw fail(`Invalid ${what}: ${problems.join('; ')}`)
  }
  return result.data
}
