import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node'
import { afterEach, describe, expect, it } from 'vitest'
import { makeSlimInformer, slimMetadata } from '../../../../operator/kube/slim-informer.ts'

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'

function object(name: string, resourceVersion: string): KubernetesObject & { spec: { n: number } } {
  return {
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: {
      name,
      namespace: 'ns',
      resourceVersion,
      annotations: { keep: 'me', [LAST_APPLIED]: '{"a whole":"copy"}' },
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} }],
    },
    spec: { n: 1 },
  }
}

describe('slimMetadata()', () => {
  it('drops managedFields and the kubectl apply copy, and keeps everything else', () => {
    const slim = slimMetadata(object('a', '1'))
    expect(slim.metadata?.managedFields).toBeUndefined()
    expect(slim.metadata?.annotations).toEqual({ keep: 'me' })
    expect(slim).toMatchObject({ metadata: { name: 'a', namespace: 'ns', resourceVersion: '1' }, spec: { n: 1 } })
  })

  it('accepts objects without metadata or annotations', () => {
    expect(slimMetadata({})).toEqual({})
    const bare: KubernetesObject = { metadata: { name: 'b' } }
    expect(slimMetadata(bare)).toEqual({ metadata: { name: 'b' } })
  })
})

describe('makeSlimInformer()', () => {
  let server: Server | undefined
  afterEach(() => server?.close())

  it('caches and hands out listed and watched objects already trimmed', async () => {
    // A watch that sends one ADDED event, then holds the stream open.
    server = createServer((request, response) => {
      expect(request.url).toContain('watch=true')
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write(`${JSON.stringify({ type: 'ADDED', object: object('watched', '3') })}\n`)
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const kc = new KubeConfig()
    kc.loadFromClusterAndUser(
      { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
      { name: 'u' },
    )
    const informer = makeSlimInformer(
      kc,
      '/apis/exactly.dev/v1alpha1/namespaces/ns/streamjobs',
      async () => ({
        apiVersion: 'v1',
        kind: 'List',
        metadata: { resourceVersion: '2' },
        items: [object('listed', '2')],
      }),
      slimMetadata,
    )
    const added: KubernetesObject[] = []
    informer.on('add', (o) => added.push(o))
    const watched = new Promise<void>((resolve) =>
      informer.on('add', (o) => o.metadata?.name === 'watched' && resolve()),
    )
    await informer.start()
    await watched
    await informer.stop()

    expect(added.map((o) => o.metadata?.name)).toEqual(['listed', 'watched'])
    for (const name of ['listed', 'watched']) {
      const cached = informer.get(name, 'ns')
      expect(cached?.metadata?.managedFields).toBeUndefined()
      expect(cached?.metadata?.annotations).toEqual({ keep: 'me' })
    }
    for (const o of added) expect(o.metadata?.managedFields).toBeUndefined()
  })
})
