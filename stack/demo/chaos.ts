/**
 * The two failures the demo causes, as an operator of a real cluster might meet them: a worker
 * pod's process killed outright (SIGKILL, no chance to clean up), and the leading operator
 * pod's process killed the same way; and the pod facts the story tells about afterwards (who
 * leads, what a pod logged), read from the real node's files (stack/real-node/pod-inspect.ts).
 */
import { CoordinationV1Api, CoreV1Api, KubeConfig, type V1Lease } from '@kubernetes/client-node'
import { containerPid, podLogLines } from '../real-node/pod-inspect.ts'

export const LEASE_NAME = 'exactly-operator'

export interface Killed {
  pod: string
  pid: number
  at: number
}

export interface Chaos {
  killWorker(namespace: string, pod: string): Promise<Killed>
  /** The pod named by the Lease's holderIdentity. */
  leader(namespace: string): Promise<{ pod: string; lease: V1Lease }>
  killLeader(namespace: string): Promise<Killed>
  /** The lines of a pod's log that contain `text`. */
  logLines(namespace: string, pod: string, container: string, text: string): Promise<string[]>
}

export function chaos(kubeconfig: string): Chaos {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfig)
  const core = kc.makeApiClient(CoreV1Api)
  const coordination = kc.makeApiClient(CoordinationV1Api)

  const kill = async (namespace: string, name: string): Promise<Killed> => {
    const pod = await core.readNamespacedPod({ namespace, name })
    const pid = containerPid(pod)
    if (!pid) throw new Error(`Pod ${namespace}/${name} has no running container`)
    process.kill(pid, 'SIGKILL')
    return { pod: name, pid, at: Date.now() }
  }
  const leader = async (namespace: string) => {
    const lease = await coordination.readNamespacedLease({ namespace, name: LEASE_NAME })
    const pod = lease.spec?.holderIdentity
    if (!pod) throw new Error(`Lease ${namespace}/${LEASE_NAME} has no holder`)
    return { pod, lease }
  }
  return {
    killWorker: kill,
    leader,
    async killLeader(namespace) {
      return kill(namespace, (await leader(namespace)).pod)
    },
    async logLines(namespace, name, container, text) {
      const pod = await core.readNamespacedPod({ namespace, name })
      const lines = podLogLines(namespace, name, pod.metadata?.uid ?? '', container)
      return lines.filter((line) => line.includes(text))
    },
  }
}
