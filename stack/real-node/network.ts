/**
 * The real node's network: one Linux bridge the stack creates, with no uplink, so pods and the
 * host talk only to each other. The host keeps the bridge's first address; Kafka, S3 and the API
 * server listen there so that both host processes and pods reach them, and the CNI bridge plugin
 * gives each pod an address of the same /24 in its own network namespace.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { runChecked, runCommand } from '../run-command.ts'

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward'
/** The machine's IP forwarding setting before the node changed it, restored by deleteBridge. */
const SAVED_IP_FORWARD = '/var/lib/exactly-node.ip_forward'

export const NODE_NETWORK = {
  bridge: 'exactly0',
  /** The pods' subnet; the host holds `hostIP`, the CNI plugin hands out the rest. */
  subnet: '10.244.77.0/24',
  hostIP: '10.244.77.1',
  prefixLength: 24,
} as const

/** Creates the bridge with the host's address, or leaves it as it is when it already exists. */
export async function ensureBridge(): Promise<void> {
  const { bridge, hostIP, prefixLength } = NODE_NETWORK
  if (!existsSync(SAVED_IP_FORWARD)) writeFileSync(SAVED_IP_FORWARD, readFileSync(IP_FORWARD, 'utf8'))
  const exists = (await runCommand('ip', ['link', 'show', bridge])).code === 0
  if (!exists) await runChecked('ip', ['link', 'add', bridge, 'type', 'bridge'])
  const addresses = await runChecked('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge])
  if (!addresses.includes(`${hostIP}/${prefixLength}`)) {
    await runChecked('ip', ['addr', 'add', `${hostIP}/${prefixLength}`, 'dev', bridge])
  }
  await runChecked('ip', ['link', 'set', bridge, 'up'])
  await keepInside()
}

/**
 * Puts the rule that drops forwarding out of the bridge first in FORWARD (again after kube-proxy
 * added its chains). The kubelet and the CNI plugin turn IP forwarding on; without this rule a
 * pod's packet to an outside address would be routed out of the machine.
 */
export async function keepInside(): Promise<void> {
  while ((await runCommand('iptables', ['-D', 'FORWARD', ...KEEP_INSIDE])).code === 0) {}
  await runChecked('iptables', ['-I', 'FORWARD', '1', ...KEEP_INSIDE])
}

/** Drops whatever would be forwarded from the bridge to any other interface. */
export const KEEP_INSIDE = [
  '-i',
  NODE_NETWORK.bridge,
  '!',
  '-o',
  NODE_NETWORK.bridge,
  '-m',
  'comment',
  '--comment',
  'exactly: nothing leaves the machine',
  '-j',
  'DROP',
]

/**
 * Removes the bridge (and with it every pod's veth still attached) and the forwarding rule, and
 * puts IP forwarding back as it was; no error when they are gone.
 */
export async function deleteBridge(): Promise<void> {
  while ((await runCommand('iptables', ['-D', 'FORWARD', ...KEEP_INSIDE])).code === 0) {}
  if ((await runCommand('ip', ['link', 'show', NODE_NETWORK.bridge])).code === 0) {
    await runChecked('ip', ['link', 'delete', NODE_NETWORK.bridge])
  }
  if (existsSync(SAVED_IP_FORWARD)) {
    writeFileSync(IP_FORWARD, readFileSync(SAVED_IP_FORWARD, 'utf8'))
    rmSync(SAVED_IP_FORWARD)
  }
}

/** The CNI configuration list of the node: the bridge plugin with host-local addresses, no masquerade. */
export function cniConfig(): string {
  const { bridge, subnet, hostIP } = NODE_NETWORK
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'exactly',
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          // Nothing leaves the machine: no NAT to an outside network, only the bridge.
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet, gateway: hostIP }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  )
}
