/**
 * Runs `exactly verify` (runtime/cli/exactly.ts) as a user would, and reads the numbers back
 * from its summary lines.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from '../node-agent/launch.ts'

export interface VerifyOutcome {
  exitCode: number
  /** The command line, as `exactly verify …`. */
  commandLine: string
  stdout: string
  stderr: string
  /** Numbers by the summary's labels: "input records", "duplicates", "missing", … */
  numbers: Record<string, number>
}

export function runVerify(bootstrap: string, input: string, output: string): Promise<VerifyOutcome> {
  const args = ['verify', '--bootstrap', bootstrap, '--example', 'bank-transfers', '--input', input, '--output', output]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'runtime/cli/exactly.ts'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const numbers: Record<string, number> = {}
      for (const match of stdout.matchAll(/^([a-z ]+):\s+(\d+)/gm)) numbers[match[1]!] = Number(match[2])
      resolve({ exitCode: code ?? 1, commandLine: `exactly ${args.join(' ')}`, stdout, stderr, numbers })
    })
  })
}
