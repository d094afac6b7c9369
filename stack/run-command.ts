/**
 * Runs a program to its end and hands back what it printed: the one way the stack, the tests and
 * the benchmark run a short-lived command (openssl, an install script, kubectl, helm, `exactly
 * verify`, weed shell). Long-lived processes are not run here: the stack's components are
 * ManagedProcesses, pods are the kubelet's.
 */
import { spawn } from 'node:child_process'
import { basename, join } from 'node:path'
import { REPO_ROOT } from './repo-root.ts'

export interface CommandResult {
  /** The exit code; 128 when a signal ended the process (as the shell reports it, roughly). */
  code: number
  stdout: string
  stderr: string
  /** Whether `timeoutMs` passed and the process was stopped for it. */
  timedOut: boolean
}

export interface CommandOptions {
  /** Written to stdin, which is then closed (an empty stdin otherwise, never the caller's). */
  input?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Stops the process with `killSignal` after this long. */
  timeoutMs?: number
  killSignal?: NodeJS.Signals
}

/** Runs `program` to its end; never rejects on a non-zero exit (the caller reads `code`), only when it cannot start. */
export function runCommand(
  program: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            child.kill(options.killSignal ?? 'SIGTERM')
          }, options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`Cannot run ${program}: ${error.message}`, { cause: error }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, timedOut })
    })
    // A program that exits without reading its stdin must not fail the run with EPIPE.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** Runs `program` to its end and returns its stdout; rejects, with its output, when it exits non-zero. */
export async function runChecked(
  program: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const result = await runCommand(program, args, options)
  if (result.code !== 0)
    throw new Error(failureMessage(`${basename(program)} ${args.join(' ')}`, result, options.timeoutMs))
  return result.stdout
}

/** "<what> exited 1:" (or "was stopped after N ms:") and then what it printed, stderr first. */
export function failureMessage(what: string, result: CommandResult, timeoutMs?: number): string {
  const how = result.timedOut ? `was stopped after ${timeoutMs} ms` : `exited ${result.code}`
  return `${what} ${how}:\n${result.stderr}${result.stdout}`
}

/** The `exactly` CLI of this checkout (`node runtime/cli/exactly.ts …`), run to its end like any command. */
export function runExactly(args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return runCommand(process.execPath, [join(REPO_ROOT, 'runtime/cli/exactly.ts'), ...args], {
    cwd: REPO_ROOT,
    ...options,
  })
}
