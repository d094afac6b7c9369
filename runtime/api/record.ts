/** A record read from a source topic, as a job's `process` sees it. */
export interface SourceRecord {
  topic: string
  partition: number
  /** The record's offset, as a decimal string (int64 does not fit a JavaScript number). */
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Readonly<Record<string, Buffer>>
  /** Milliseconds since the epoch (the record's CreateTime or LogAppendTime). */
  timestamp: number
}

/** A record a job emits: into the current transaction, to the job's sink topic unless `topic` is set. */
export interface OutputRecord {
  key?: string | Buffer | null
  value: string | Buffer | null
  /** Another topic than the StreamJob's `kafka.sink.topic`; it must exist. */
  topic?: string
  headers?: Record<string, string | Buffer>
}
