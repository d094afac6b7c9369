/** Runs one readiness or liveness probe of a container (httpGet or tcpSocket) against the pod's IP. */

import { connect } from 'node:net'
import type { V1Probe } from '@kubernetes/client-node'

export async function probeOnce(probe: V1Probe, podIP: string, ports: Record<string, number>): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000
  const port = (p: number | string | undefined) => (typeof p === 'number' ? p : (ports[p ?? ''] ?? Number(p)))
  if (probe.httpGet) {
    const host = probe.httpGet.host ?? podIP
    const url = `${(probe.httpGet.scheme ?? 'HTTP').toLowerCase()}://${host}:${port(probe.httpGet.port)}${probe.httpGet.path ?? '/'}`
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
      await res.arrayBuffer()
      return res.status >= 200 && res.status < 400
    } catch {
      return false
    }
  }
  if (probe.tcpSocket) {
    const target = port(probe.tcpSocket.port)
    return new Promise((resolve) => {
      const socket = connect({ host: probe.tcpSocket!.host ?? podIP, port: target, timeout: timeoutMs })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
      socket.once('timeout', () => {
        socket.destroy()
        resolve(false)
      })
    })
  }
  // exec and grpc probes are not supported by this node: treat them as passing, and say so in docs.
  return true
}
