/**
 * What the figures were measured on: the machine (from /proc), the versions of everything that
 * ran, and the load while the benchmark ran (the figures of a busy machine say so).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { componentDir } from '../stack/components.ts'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  kernel: string
  os: string
}

export interface Versions {
  node: string
  kafka: string
  kafkajs: string
  java: string
}

const root = join(import.meta.dirname, '..')

export function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0)
  const os = /PRETTY_NAME="([^"]+)"/.exec(safeRead('/etc/os-release'))?.[1] ?? 'unknown'
  return {
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    cores: cpuinfo.split('\n').filter((l) => l.startsWith('processor')).length,
    memoryGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: safeRead('/proc/sys/kernel/osrelease').trim(),
    os,
  }
}

export async function versions(): Promise<Versions> {
  const kafkaLibs = await componentDir('kafka').catch(() => '')
  const clients = kafkaLibs ? readdirSync(kafkaLibs).find((f) => /^kafka-clients-[\d.]+\.jar$/.test(f)) : undefined
  return {
    node: process.version,
    kafka: clients?.replace(/^kafka-clients-|\.jar$/g, '') ?? 'unknown',
    kafkajs: JSON.parse(readFileSync(join(root, 'node_modules/kafkajs/package.json'), 'utf8')).version,
    java: javaVersionLine() ?? 'not found',
  }
}

/** `java -version` prints to stderr, e.g. `openjdk version "17.0.15" 2025-04-15`. */
function javaVersionLine(): string | undefined {
  try {
    const result = execFileSync('bash', ['-c', 'java -version 2>&1 | head -1'], { encoding: 'utf8' })
    return result.trim() || undefined
  } catch {
    return undefined
  }
}

/** The 1-minute load average now: printed with each run, so noisy runs can be told apart. */
export function loadAverage(): number {
  return Number(safeRead('/proc/loadavg').split(' ')[0])
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
