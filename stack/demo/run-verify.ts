/**
 * Runs `exactly verify` (runtime/cli/exactly.ts) as a user would, and reads the numbers back
 * from its summary lines.
 */
import { join } from 'node:path'
import { REPO_ROOT } from '../repo-root.ts'
import { runCommand } from '../run-command.ts'

export interface VerifyOutcome {
  exitCode: number
  /** The command line, as `exactly verify …`. */
  commandLine: string
  stdout: string
  stderr: string
  /** Numbers by the summary's labels: "input records", "duplicates", "missing", … */
  numbers: Record<string, number>
}

export async function runVerify(bootstrap: string, input: string, output: string): Promise<VerifyOutcome> {
  const args = ['verify', '--bootstrap', bootstrap, '--example', 'bank-transfers', '--input', input, '--output', output]
  const { code, stdout, stderr } = await runCommand(
    process.execPath,
    [join(REPO_ROOT, 'runtime/cli/exactly.ts'), ...args],
    {
      timeoutMs: 120_000,
      killSignal: 'SIGKILL',
    },
  )
  const numbers: Record<string, number> = {}
  for (const match of stdout.matchAll(/^([a-z ]+):\s+(\d+)/gm)) numbers[match[1]!] = Number(match[2])
  return { exitCode: code, commandLine: `exactly ${args.join(' ')}`, stdout, stderr, numbers }
}
