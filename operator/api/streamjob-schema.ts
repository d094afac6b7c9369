/**
 * The StreamJob CustomResourceDefinition: the one source of crds/streamjobs.exactly.dev.yaml
 * (`node operator/api/generate-crd.ts`), of docs/streamjob-api.md and, through a drift test, of the
 * types in streamjob-types.ts. Validation lives here rather than in the operator so that a bad
 * spec is refused at `kubectl apply` with a message, not discovered later in a reconcile.
 */
import { describeDefaults, type Schema } from './openapi.ts'
import { specSchema } from './streamjob-spec-schema.ts'
import { statusSchema } from './streamjob-status-schema.ts'

export const GROUP = 'exactly.dev'
export const VERSION = 'v1alpha1'
export const KIND = 'StreamJob'
export const PLURAL = 'streamjobs'
export const CRD_NAME = `${PLURAL}.${GROUP}`

export interface PrinterColumn {
  name: string
  type: 'string' | 'integer' | 'date'
  jsonPath: string
  description: string
  priority?: number
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1'
  kind: 'CustomResourceDefinition'
  metadata: { name: string; labels: Record<string, string> }
  spec: {
    group: string
    names: {
      kind: string
      listKind: string
      plural: string
      singular: string
      shortNames: string[]
      categories: string[]
    }
    scope: 'Namespaced'
    versions: Array<{
      name: string
      served: boolean
      storage: boolean
      subresources: {
        status: Record<string, never>
        scale: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string }
      }
      additionalPrinterColumns: PrinterColumn[]
      schema: { openAPIV3Schema: Schema }
    }>
  }
}

const PRINTER_COLUMNS: PrinterColumn[] = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase of the job.' },
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Status of the Ready condition: all workers run and checkpoint.',
  },
  { name: 'Parallelism', type: 'integer', jsonPath: '.spec.parallelism', description: 'Number of worker pods.' },
  {
    name: 'Last Checkpoint',
    type: 'date',
    jsonPath: '.status.lastCheckpoint.completedAt',
    description: "Age of the oldest of the workers' latest checkpoints.",
  },
  { name: 'Restarts', type: 'integer', jsonPath: '.status.restarts', description: 'Worker restarts.' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
]

export const streamJobSchema: Schema = {
  description:
    'StreamJob runs a Kafka-to-Kafka stateful job with exactly-once results: parallelism worker pods read the ' +
    'source topics, checkpoint their state to S3 and commit their output transactionally to the sink topic.',
  type: 'object',
  properties: {
    apiVersion: { description: 'exactly.dev/v1alpha1.', type: 'string' },
    kind: { description: 'StreamJob.', type: 'string' },
    // The API server refuses a description here: it documents ObjectMeta itself.
    metadata: { type: 'object' } as Schema,
    spec: specSchema,
    status: statusSchema,
  },
  required: ['spec'],
  'x-kubernetes-validations': [
    {
      rule: 'self.metadata.name.size() <= 63',
      message:
        'metadata.name must be at most 63 characters: it is the exactly.dev/job label value of the worker pods; choose a shorter name',
    },
  ],
}

export const streamJobCrd: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/part-of': 'exactly' } },
  spec: {
    group: GROUP,
    names: {
      kind: KIND,
      listKind: `${KIND}List`,
      plural: PLURAL,
      singular: 'streamjob',
      shortNames: ['sj'],
      categories: ['exactly'],
    },
    scope: 'Namespaced',
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        // The scale subresource: `kubectl scale sj/NAME --replicas=N` and an HPA or KEDA set
        // spec.parallelism, and the disruption controller learns how many workers a job expects,
        // which a PodDisruptionBudget with maxUnavailable needs.
        subresources: {
          status: {},
          scale: {
            specReplicasPath: '.spec.parallelism',
            statusReplicasPath: '.status.replicas',
            labelSelectorPath: '.status.selector',
          },
        },
        additionalPrinterColumns: PRINTER_COLUMNS,
        schema: { openAPIV3Schema: describeDefaults(streamJobSchema) },
      },
    ],
  },
}
