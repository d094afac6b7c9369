import { describe, expect, it } from 'vitest'
import { runChecked, runCommand } from '../../../stack/run-command.ts'

const node = process.execPath

describe('runCommand', () => {
  it('hands the input to stdin and returns what the program printed', async () => {
    const script = "process.stdin.pipe(process.stdout); process.stderr.write('note')"
    await expect(runCommand(node, ['-e', script], { input: 'hello' })).resolves.toEqual({
      code: 0,
      stdout: 'hello',
      stderr: 'note',
      timedOut: false,
    })
  })

  it('reports a non-zero exit without rejecting', async () => {
    const result = await runCommand(node, ['-e', 'process.exit(3)'])
    expect(result.code).toBe(3)
  })

  it('stops a program that runs past its time', async () => {
    const result = await runCommand(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 100 })
    expect(result).toMatchObject({ code: 128, timedOut: true })
  })

  it('rejects when the program cannot start', async () => {
    await expect(runCommand('/nonexistent/program', [])).rejects.toThrow('Cannot run /nonexistent/program')
  })
})

describe('runChecked', () => {
  it('returns stdout, and on failure names the command and quotes its output', async () => {
    await expect(runChecked(node, ['-e', "process.stdout.write('ok')"])).resolves.toBe('ok')
    const failing = runChecked(node, ['-e', "console.error('bad input'); process.exit(2)"])
    await expect(failing).rejects.toThrow(/^node -e .* exited 2:\nbad input\n$/s)
  })
})
