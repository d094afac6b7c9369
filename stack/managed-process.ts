/**
 * A long-running component process (etcd, Kafka, …) that the stack owns.
 *
 * Each one runs in its own process group so that stopping it also stops whatever it spawned,
 * writes its output to a log file (quoted in errors when it fails to start), and leaves a
 * pid file behind so `make down` or the next run can stop it even after this process died.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { signalGroup } from './process-group.ts'
import { waitFor } from './wait.ts'

export interface StartOptions {
  name: string
  command: string
  args: readonly string[]
  logFile: string
  pidFile: string
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/** Starts a component as a ManagedProcess of the stack (logs and pid file in the stack's directory). */
export type Launch = (name: string, command: string, args: string[], env?: NodeJS.ProcessEnv) => ManagedProcess

export class ManagedProcess {
  readonly name: string
  readonly logFile: string
  readonly child: ChildProcess
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  readonly exited: Promise<void>

  constructor(options: StartOptions) {
    this.name = options.name
    this.logFile = options.logFile
    const log = openSync(options.logFile, 'a')
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
      detached: true,
    })
    closeSync(log)
    if (this.child.pid === undefined) throw new Error(`Cannot start ${this.name}: ${options.command} did not spawn`)
    writeFileSync(options.pidFile, `${this.child.pid}\n`)
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exit = { code, signal }
        resolve()
      })
      this.child.once('error', () => {
        this.#exit ??= { code: null, signal: null }
        resolve()
      })
    })
  }

  get pid(): number {
    return this.child.pid!
  }

  get running(): boolean {
    return this.#exit === undefined
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 25): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }

  /** Polls `check` until it returns true; fails early and loudly if the process exits first. */
  async waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    await waitFor(`${this.name} is ${what}`, check, timeoutMs, {
      intervalMs: 250,
      failure: () =>
        this.running
          ? undefined
          : `${this.name} exited (${JSON.stringify(this.#exit)}) before it was ${what}; last log lines of ${this.logFile}:\n${this.tail()}`,
      detail: () => `last log lines of ${this.logFile}:\n${this.tail()}`,
    })
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`. Resolves once it has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return
    signalGroup(this.pid, 'SIGTERM')
    const killed = await Promise.race([this.exited.then(() => false), sleep(graceMs).then(() => true)])
    if (killed) {
      signalGroup(this.pid, 'SIGKILL')
      await this.exited
    }
  }
}
