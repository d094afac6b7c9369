#!/usr/bin/env node
/**
 * The `exactly` command. Subcommands arrive with the parts that implement them (worker,
 * recover, checkpoints, verify, operator); only the ones listed in HELP exist today.
 */
import { readFileSync } from 'node:fs'

const HELP = `exactly: Kafka-to-Kafka stateful jobs with exactly-once results

usage: exactly <command>

commands:
  version   print the version
  help      print this help
`

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

const [command = 'help'] = process.argv.slice(2)
switch (command) {
  case 'version':
  case '--version':
    process.stdout.write(`exactly ${version()}\n`)
    break
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(HELP)
    break
  default:
    process.stderr.write(`exactly: unknown command "${command}"; run 'exactly help' for the list\n`)
    process.exit(2)
}
