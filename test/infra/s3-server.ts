/**
 * The S3-compatible server: SeaweedFS in its single-process `weed mini` mode (master, volume
 * server, filer and S3 gateway), with one bucket and one identity. SeaweedFS evaluates
 * If-Match / If-None-Match atomically in the filer, which the checkpoint head CAS relies on.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { componentDir } from './components.ts'
import type { ManagedProcess } from './managed-process.ts'
import { freePort } from './ports.ts'

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

type Launch = (name: string, command: string, args: string[]) => ManagedProcess

export async function startS3(dir: string, launch: Launch): Promise<S3Server> {
  const bin = await componentDir('seaweedfs')
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
  const ports = await Promise.all(Array.from({ length: 8 }, () => freePort()))
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
  info.endpoint = `http://127.0.0.1:${s3}`
  const weed = launch('seaweedfs', join(bin, 'weed'), [
    'mini',
    `-dir=${join(dir, 'data')}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
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
  return { info, process: weed }
}
