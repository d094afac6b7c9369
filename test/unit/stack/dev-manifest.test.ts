import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { devJobName, devStreamJob } from '../../../stack/dev/dev-manifest.ts'

describe('make dev’s StreamJob', () => {
  it('names a job after its package: lowercase, dashes, no scope, at most 40 characters', () => {
    expect(devJobName('@acme/My_Job')).toBe('my-job')
    expect(devJobName('orders.enricher')).toBe('orders-enricher')
    expect(devJobName(`x${'y'.repeat(60)}`)).toHaveLength(40)
    expect(() => devJobName('123')).toThrow(/pass --name with a DNS label/)
  })

  it('points the job at its image, module, topics and the stack’s Kafka and S3, the credentials by Secret only', () => {
    const yaml = devStreamJob({
      name: 'my-job',
      namespace: 'dev',
      image: 'localhost/my-job:dev-1',
      module: '/job/src/job.ts',
      config: { window: '1m' },
      input: 'in',
      output: 'out',
      parallelism: 2,
      bootstrap: '10.0.0.1:9092',
      s3: { endpoint: 'http://10.0.0.1:8333', bucket: 'b', region: 'r' },
      secretName: 's3',
    })
    expect(parse(yaml)).toMatchObject({
      metadata: { name: 'my-job', namespace: 'dev' },
      spec: {
        image: 'localhost/my-job:dev-1',
        job: { module: '/job/src/job.ts', config: { window: '1m' } },
        kafka: { bootstrapServers: ['10.0.0.1:9092'], source: { topics: ['in'] }, sink: { topic: 'out' } },
        checkpoint: {
          storage: { uri: 's3://b/dev', endpoint: 'http://10.0.0.1:8333', credentialsSecretRef: { name: 's3' } },
        },
      },
    })
    expect(yaml).not.toMatch(/AWS_SECRET_ACCESS_KEY|secretAccessKey/)
  })
})
