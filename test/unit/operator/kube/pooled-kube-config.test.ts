import { HttpMethod, RequestContext } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { PooledKubeConfig } from '../../../../operator/kube/pooled-kube-config.ts'

// TLS material is only read here, never used to connect: any bytes do.
const pem = Buffer.from('not a real certificate').toString('base64')

function kubeConfig(): PooledKubeConfig {
  const kc = new PooledKubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: pem }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  })
  return kc
}

async function authenticated(kc: PooledKubeConfig): Promise<RequestContext> {
  const context = new RequestContext('https://127.0.0.1:6443/api/v1/pods', HttpMethod.GET)
  await kc.applySecurityAuthentication(context)
  return context
}

describe('PooledKubeConfig', () => {
  it('hands every request the same dispatcher (one connection pool), with its own auth header', async () => {
    const kc = kubeConfig()
    const first = await authenticated(kc)
    const second = await authenticated(kc)
    expect(first.getDispatcher()).toBeDefined()
    expect(second.getDispatcher()).toBe(first.getDispatcher())
    expect(second.getHeaders().Authorization).toBe('Bearer secret')
    await kc.close()
  })

  it('keeps one pool per cluster and user', async () => {
    const kc = kubeConfig()
    const first = await authenticated(kc)
    kc.addCluster({ name: 'other', server: 'https://127.0.0.2:6443', caData: pem, skipTLSVerify: false })
    kc.addContext({ name: 'other', cluster: 'other', user: 'u' })
    kc.setCurrentContext('other')
    const second = await authenticated(kc)
    expect(second.getDispatcher()).not.toBe(first.getDispatcher())
    await kc.close()
  })
})
