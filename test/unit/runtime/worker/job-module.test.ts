import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const JOB_MODULE = new URL('../../../../runtime/worker/job-module.ts', import.meta.url).href
const WORKER_API = new URL('../../../../runtime/api/index.ts', import.meta.url).href

/** A job in a directory of its own whose node_modules carry another copy of the SDK. */
function jobWithItsOwnSdk(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exactly-job-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-job', type: 'module' }))
  const sdk = join(dir, 'node_modules', 'exactly')
  mkdirSync(sdk, { recursive: true })
  writeFileSync(
    join(sdk, 'package.json'),
    JSON.stringify({ name: 'exactly', type: 'module', exports: { './runtime': './runtime.js' } }),
  )
  writeFileSync(
    join(sdk, 'runtime.js'),
    "export function defineJob(d) { return { kind: 'exactly.job', process: d.process, copy: 'the job’s own' } }\n",
  )
  writeFileSync(
    join(dir, 'job.ts'),
    "import { defineJob } from 'exactly/runtime'\nexport const used = defineJob\nexport default defineJob({ process() {} })\n",
  )
  return join(dir, 'job.ts')
}

describe('loadJob()', () => {
  // In a child process: the resolve hook is Node's, which vitest's own module runner bypasses.
  it("gives a job the worker's runtime, whatever copy of the SDK its node_modules carry", () => {
    const job = jobWithItsOwnSdk()
    const script = `
      const { loadJob } = await import(${JSON.stringify(JOB_MODULE)})
      const worker = await import(${JSON.stringify(WORKER_API)})
      const loaded = await loadJob(${JSON.stringify(job)})
      const module = await import(${JSON.stringify(pathToFileURL(job).href)})
      console.log(JSON.stringify({ same: module.used === worker.defineJob, copy: loaded.copy ?? null, kind: loaded.kind }))
    `
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({ same: true, copy: null, kind: 'exactly.job' })
  })
})
