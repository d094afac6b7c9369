/**
 * Entry point of the node agent process.
 * usage: node main.ts --kubeconfig F --node-name N --pods-dir D --pid-dir D --ca-cert F --node-binary F [--map /app=DIR]...
 */
import { mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { KubeConfig } from '@kubernetes/client-node'
import { NodeAgent } from './agent.ts'

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    'node-name': { type: 'string' },
    'pods-dir': { type: 'string' },
    'pid-dir': { type: 'string' },
    'ca-cert': { type: 'string' },
    'node-binary': { type: 'string' },
    map: { type: 'string', multiple: true, default: [] },
  },
})

function required(name: keyof typeof values): string {
  const value = values[name]
  if (typeof value !== 'string' || value === '') {
    console.error(`node-agent: missing --${name}`)
    process.exit(2)
  }
  return value
}

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), component: 'node-agent', msg, ...fields })}\n`,
  )

const kubeConfig = new KubeConfig()
kubeConfig.loadFromFile(required('kubeconfig'))
const paths = Object.fromEntries(
  values.map.map((m) => {
    const eq = m.indexOf('=')
    return [m.slice(0, eq), m.slice(eq + 1)]
  }),
)
const podsDir = required('pods-dir')
const pidDir = required('pid-dir')
mkdirSync(podsDir, { recursive: true })
mkdirSync(pidDir, { recursive: true })

const agent = new NodeAgent({
  kubeConfig,
  nodeName: required('node-name'),
  mapping: { paths, programs: { node: required('node-binary') } },
  podsDir,
  pidDir,
  caCertFile: required('ca-cert'),
  log,
})

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    log('stopping: terminating pod processes', { signal })
    void agent.stop().finally(() => process.exit(0))
  })
}

await agent.start()
log('node registered and watching pods', { node: values['node-name'] })
