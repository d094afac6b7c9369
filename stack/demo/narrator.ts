/**
 * How the demo talks: numbered steps, plain-words notes, commands as a user would type them,
 * command output indented under them, and a clock since the start on every step line.
 */

const started = Date.now()

/** Seconds since the demo started, as m:ss. */
export function clock(): string {
  const s = Math.floor((Date.now() - started) / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

export function elapsedMs(): number {
  return Date.now() - started
}

const write = (text: string) => process.stdout.write(text)
const indent = (text: string, pad: string) => text.trimEnd().replace(/^/gm, pad)

let stepNo = 0
let steps = 0

/** How many steps the story has (for "3/8"). */
export function planSteps(count: number): void {
  steps = count
}

/** A new chapter of the story. */
export function step(title: string): void {
  stepNo++
  write(`\n[${clock()}] ▶ ${stepNo}/${steps} ${title}\n`)
}

/** A sentence under the current step. */
export function note(text: string): void {
  write(`${indent(text, '         ')}\n`)
}

/** A line with its own time stamp (something happened while we waited). */
export function event(text: string): void {
  write(`[${clock()}]   ${text.trimEnd().replace(/\n/g, '\n           ')}\n`)
}

/** A command as the user would type it. */
export function command(line: string): void {
  write(`         $ ${line}\n`)
}

/** A command and what it printed, in one write (status lines printed meanwhile cannot split them). */
export function ran(line: string, text: string): void {
  write(`         $ ${line}\n${text.trim() ? `${indent(text, '           ')}\n` : ''}`)
}

/** Output of a command, indented one level deeper. */
export function output(text: string): void {
  if (text.trim()) write(`${indent(text, '           ')}\n`)
}

export function ok(text: string): void {
  write(`[${clock()}]   ✓ ${text}\n`)
}

export function problem(text: string): void {
  write(`[${clock()}]   ✗ ${text}\n`)
}

export function count(n: number): string {
  return n.toLocaleString('en-US')
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

export function minutes(ms: number): string {
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
}
