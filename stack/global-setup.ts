/**
 * vitest global setup for the integration suite: starts the real stack once per run and tears
 * it down afterwards. Set EXACTLY_STACK_DIR to a directory where `make up` runs a stack to reuse
 * it (fast local iterations). A component that cannot start fails the run: nothing is skipped.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { killAllNow, readStackInfo, type StackInfo, startStack, sweepOrphanStacks } from './stack.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reuse = process.env.EXACTLY_STACK_DIR
  if (reuse) {
    const info = readStackInfo(reuse)
    if (!info)
      throw new Error(`Cannot reuse the stack in EXACTLY_STACK_DIR=${reuse}: no stack.json; run 'make up' first`)
    project.provide('stack', info)
    return async () => {}
  }

  const root = join(tmpdir(), 'exactly-stacks')
  await sweepOrphanStacks(root)
  const dir = join(root, `${Date.now()}-${process.pid}`)
  process.once('exit', killAllNow)
  const stack = await startStack({
    dir,
    kafka: true,
    s3: true,
    kube: true,
    progress: (line) => process.stderr.write(`[stack] ${line}\n`),
  })
  project.provide('stack', stack.info)
  return () => stack.stop()
}
