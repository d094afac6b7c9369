/**
 * The S3-compatible server: SeaweedFS in its single-process `weed mini` mode (master, volume
 * server, filer and S3 gateway), with one bucket and one identity. SeaweedFS evaluates
 * If-Match / If-None-Match atomically in the filer, which the checkpoint head CAS relies on.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { componentDir } from './components.ts'
import type { Launch, ManagedProcess } from './managed-process.ts'
import { freePort } from './ports.ts'
import { runCommand } from './run-command.ts'

export interface S3Info {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  bucket: string
}

export interface S3Server {
  info: S3Info
  process: ManagedProcess
}

/** `host`: the address every SeaweedFS listener binds (the real node's bridge address, for pods). */
export async function startS3(dir: string, launch: Launch, host = '127.0.0.1'): Promise<S3Server> {
  const bin = await componentDir('seaweedfs')
  // A persistent stack (`make up`) restarts on the data of its last run.
  const restarted = existsSync(join(dir, 'data', '.vid_stamp'))
  await mkdir(join(dir, 'data'), { recursive: true })
  const info: S3Info = {
    endpoint: '',
    region: 'us-east-1',
    accessKeyId: 'exactly',
    secretAccessKey: 'exactly-local-secret',
    bucket: 'exactly',
  }
  const config = join(dir, 's3-identities.json')
  await writeFile(
    config,
    JSON.stringify({
      identities: [
        {
          name: 'exactly',
          credentials: [{ accessKey: info.accessKeyId, secretKey: info.secretAccessKey }],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
  )
  // Every listener gets a free port: the defaults (9333, 8888, 8333, …) would collide between stacks.
  const ports = await Promise.all(Array.from({ length: 8 }, () => freePort(host)))
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  info.endpoint = `http://${host}:${s3}`
  const weed = launch('seaweedfs', join(bin, 'weed'), [
    'mini',
    `-dir=${join(dir, 'data')}`,
    `-ip=${host}`,
    `-ip.bind=${host}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.telemetry=false',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    `-s3.localSocket=${join(dir, 's3.sock')}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${config}`,
    `-bucket=${info.bucket}`,
    '-webdav=false',
    '-admin.ui=false',
  ])
  const client = new S3Client({
    endpoint: info.endpoint,
    region: info.region,
    forcePathStyle: true,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  })
  try {
    await weed.waitUntil(
      `serving bucket ${info.bucket}`,
      async () => {
        await client.send(new HeadBucketCommand({ Bucket: info.bucket }))
        return true
      },
      90_000,
    )
  } finally {
    client.destroy()
  }
  if (restarted) await resumeVolumeGrowth(join(bin, 'weed'), `${host}:${master}.${masterGrpc}`)
  return { info, process: weed }
}

/**
 * A restarted `weed mini` master gets a new topology id while its volume server reports the
 * old one, and then freezes volume growth ("volume growth frozen … run: volume.growth.resume"):
 * once the existing volumes are full, every write fails with "no writable volumes". The volume
 * server here is the same one on the same data, so resuming is what the message asks for.
 */
async function resumeVolumeGrowth(weed: string, master: string): Promise<void> {
  const result = await runCommand(weed, ['shell', `-master=${master}`], {
    input: 'lock\nvolume.growth.resume\nunlock\n',
    timeoutMs: 60_000,
  })
  if (result.code !== 0) {
    throw new Error(`weed shell volume.growth.resume exited ${result.code}: ${result.stdout}`)
  }
  if (!result.stdout.includes('volume growth resumed')) {
    throw new Error(`Cannot resume SeaweedFS volume growth after a restart; weed shell said: ${result.stdout.trim()}`)
  }
}
