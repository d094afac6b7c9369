/**
 * A TCP proxy in front of a real server, to make it unreachable for a while: `cut()` closes
 * every connection and stops listening (clients get "connection refused"), `restore()` listens
 * again on the same port. The server behind it is real and keeps its state.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { freePort } from '../../../stack/ports.ts'

export class TcpProxy {
  readonly port: number
  readonly #target: { host: string; port: number }
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined

  private constructor(port: number, target: { host: string; port: number }) {
    this.port = port
    this.#target = target
  }

  static async start(target: string): Promise<TcpProxy> {
    const url = new URL(target.includes('://') ? target : `tcp://${target}`)
    const proxy = new TcpProxy(await freePort(), { host: url.hostname, port: Number(url.port) })
    await proxy.restore()
    return proxy
  }

  /** The proxy's address in the target's form: `http://127.0.0.1:P` for a URL, `127.0.0.1:P` otherwise. */
  address(like: string): string {
    return like.includes('://') ? `${new URL(like).protocol}//127.0.0.1:${this.port}` : `127.0.0.1:${this.port}`
  }

  async cut(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async restore(): Promise<void> {
    if (this.#server) return
    const server = createServer((client) => {
      const upstream = createConnection(this.#target)
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('close', () => this.#sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.#server = server
  }

  close(): Promise<void> {
    return this.cut()
  }
}
