/**
 * The stack a benchmark program measures on: the one `make up` runs in EXACTLY_STACK_DIR when
 * there is one (left up afterwards), else a stack of its own in a temporary directory, stopped
 * at the end with its data dropped (gigabytes after a full run) and its logs kept.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readStackInfo, type StackInfo, startStack } from '../stack/stack.ts'

type Part = 'kafka' | 's3' | 'kube'

export async function benchStack(parts: readonly Part[]): Promise<{ info: StackInfo; stop: () => Promise<void> }> {
  const reuse = process.env.EXACTLY_STACK_DIR
  const reused = reuse ? readStackInfo(reuse) : undefined
  if (reused) {
    const missing = parts.filter((part) => !reused[part])
    if (missing.length > 0) throw new Error(`The stack in ${reuse} has no ${missing.join(', ')}`)
    return { info: reused, stop: async () => {} }
  }
  const dir = mkdtempSync(join(tmpdir(), 'exactly-bench-stack-'))
  const stack = await startStack({
    dir,
    kafka: parts.includes('kafka'),
    s3: parts.includes('s3'),
    kube: parts.includes('kube'),
    progress: (line) => console.log(`[stack] ${line}`),
  })
  const stop = async () => {
    await stack.stop()
    for (const data of ['kafka', 's3']) rmSync(join(dir, data), { recursive: true, force: true })
  }
  return { info: stack.info, stop }
}
