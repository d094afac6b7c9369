/**
 * Turns a container's command into a local process: paths inside the image (e.g. `/app/...`)
 * map to directories of this machine (the repo's build), and `node` is this project's Node.
 * There is no image to pull, so a container without an explicit command cannot run here.
 */
import type { V1Container } from '@kubernetes/client-node'

export interface LocalCommand {
  command: string
  args: string[]
  cwd: string | undefined
}

export interface CommandMapping {
  /** Image path prefix → local directory, e.g. { '/app': '/work/main' }. */
  paths: Record<string, string>
  /** Program name → local binary, e.g. { node: '/root/.cache/exactly/node-24/bin/node' }. */
  programs: Record<string, string>
}

export function localCommand(
  container: V1Container,
  mapping: CommandMapping,
  env: Record<string, string>,
): LocalCommand {
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => expandVariables(a, env))
  const [first, ...rest] = argv
  if (first === undefined) {
    throw new TypeError(
      `Cannot run container "${container.name}": it has no command, and this node runs commands, not images; set spec.containers[].command`,
    )
  }
  const program = mapping.programs[first] ?? mapPath(first, mapping.paths)
  return {
    command: program,
    args: rest.map((a) => mapPath(a, mapping.paths)),
    cwd: container.workingDir ? mapPath(container.workingDir, mapping.paths) : undefined,
  }
}

/** Maps an image path (or an `--flag=/image/path`) to its local directory; other values pass through. */
export function mapPath(value: string, paths: Record<string, string>): string {
  for (const [prefix, local] of Object.entries(paths)) {
    if (value === prefix || value.startsWith(`${prefix}/`)) return local + value.slice(prefix.length)
    const eq = value.indexOf('=')
    if (eq > 0) {
      const tail = value.slice(eq + 1)
      if (tail === prefix || tail.startsWith(`${prefix}/`))
        return `${value.slice(0, eq + 1)}${local}${tail.slice(prefix.length)}`
    }
  }
  return value
}

/** Kubernetes `$(VAR)` expansion: known variables are replaced, `$$(` escapes, unknown ones stay as written. */
export function expandVariables(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$'
    return name !== undefined && name in env ? env[name]! : match
  })
}
