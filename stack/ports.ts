import { createServer } from 'node:net'

/**
 * Ports this process has handed out. The kernel may give the same ephemeral port to two
 * listen(0) calls in a row once the first socket is closed, and the stack starts Kafka and the
 * S3 server side by side: without this, both were once given the same port (a bench failed with
 * "bind: address already in use" in SeaweedFS's filer).
 */
const handedOut = new Set<number>()

/** Asks the kernel for a free TCP port on `host`, never one this process handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await listenOnce(host)
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error(`Cannot allocate a free port on ${host}: the kernel kept offering ports already handed out`)
}

/** One port the kernel offers now. Another process may take it before we bind it, rarely. */
function listenOnce(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('Cannot allocate a free port: the server has no address'))
      })
    })
  })
}

/** Whether `port` on `host` can be bound now. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, host, () => server.close(() => resolve(true)))
  })
}
