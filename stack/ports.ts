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

/** Binds `port` (0: one the kernel picks) for a moment and says which it was; rejects when it is taken. */
function listenOnce(host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(port, host, () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('Cannot allocate a free port: the server has no address'))
      })
    })
  })
}

/**
 * Takes `port` on `host` for this process if it can be bound now, like freePort() does for the
 * ports it hands out, so a freePort() running alongside never returns it too.
 */
export async function claimPort(host: string, port: number): Promise<boolean> {
  const free = await listenOnce(host, port).then(
    () => true,
    () => false,
  )
  // Checked after the bind, as freePort() does: whoever records the port first has it.
  if (!free || handedOut.has(port)) return false
  handedOut.add(port)
  return true
}
