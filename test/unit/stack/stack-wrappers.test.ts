import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { StackInfo } from '../../../stack/stack.ts'
import { writeStackWrappers } from '../../../stack/stack-wrappers.ts'

describe('writeStackWrappers()', () => {
  it('writes an exactly command bound to the stack’s S3 credentials, runnable from PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exactly-wrappers-'))
    const info = {
      dir,
      s3: { endpoint: 'http://127.0.0.1:9', bucket: 'b', region: 'r', accessKeyId: "it's", secretAccessKey: 's' },
    } as unknown as StackInfo
    const bin = await writeStackWrappers(info)
    const wrapper = join(bin, 'exactly')
    expect(statSync(wrapper).mode & 0o111).toBe(0o111)
    expect(readFileSync(wrapper, 'utf8')).toContain(`AWS_ACCESS_KEY_ID='it'\\''s'`)
    const run = spawnSync('exactly', ['version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    })
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^exactly \d+\.\d+\.\d+/)
  })
})
