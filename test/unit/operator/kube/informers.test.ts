import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KubeConfig } from '@kubernetes/client-node'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { StreamJobInformers } from '../../../../operator/kube/informers.ts'
import { KubeApi } from '../../../../operator/kube/kube-api.ts'
import { streamJob } from '../fixtures.ts'

const job = { ...streamJob(), metadata: { ...streamJob().metadata, resourceVersion: '5' } }
const pod = (name: string, jobLabel: string | undefined, ownerUid: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'team',
    resourceVersion: '6',
    labels: jobLabel ? { 'exactly.dev/job': jobLabel } : {},
    ownerReferences: [{ apiVersion: 'exactly.dev/v1alpha1', kind: 'StreamJob', name: 'counts', uid: ownerUid }],
  },
  spec: { containers: [{ name: 'worker', image: 'exactly:dev' }] },
})
const list = (kind: string, items: unknown[]) => ({ apiVersion: 'v1', kind, metadata: { resourceVersion: '7' }, items })

describe('StreamJobInformers', () => {
  let server: Server | undefined
  afterEach(() => server?.close())

  it('hands out the key of each job and of each pod’s owner, and reads a job’s own pods back', async () => {
    const paths: string[] = []
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x')
      paths.push(`${url.pathname}${url.searchParams.get('watch') ? ' watch' : ''}`)
      response.writeHead(200, { 'content-type': 'application/json' })
      if (url.searchParams.get('watch')) {
        response.flushHeaders() // and holds the stream open, sending nothing
        return
      }
      if (url.pathname.endsWith('/streamjobs')) response.end(JSON.stringify(list('StreamJobList', [job])))
      else
        response.end(
          JSON.stringify(
            list('PodList', [
              pod('counts-g1-s0-a1', 'counts', 'uid-1'),
              pod('counts-g1-s0-a0', 'counts', 'uid-of-an-earlier-counts'),
              pod('stray', undefined, 'uid-1'),
            ]),
          ),
        )
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const kc = new KubeConfig()
    kc.loadFromClusterAndUser(
      { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
      { name: 'u' },
    )
    const informers = new StreamJobInformers({
      kc,
      api: new KubeApi(kc),
      log: pino({ level: 'silent' }),
      namespaces: ['team'],
    })
    const keys: string[] = []
    await informers.start((key) => keys.push(key))

    expect(keys.sort()).toEqual(['team/counts', 'team/counts', 'team/counts'])
    expect(informers.getJob('team', 'counts')?.spec.parallelism).toBe(2)
    expect(informers.getJob('team', 'other')).toBeUndefined()
    expect(informers.listJobs().map((j) => j.metadata.name)).toEqual(['counts'])
    const own = informers.podsOf(job)
    expect(own.map((p) => p.metadata?.name)).toEqual(['counts-g1-s0-a1'])
    // The cache keeps no pod spec: decisions read labels, owner and status only.
    expect(own[0]?.spec).toBeUndefined()
    expect(paths).toContain('/apis/exactly.dev/v1alpha1/namespaces/team/streamjobs')
    expect(paths).toContain('/api/v1/namespaces/team/pods')
    await informers.stop()
  })
})
