/**
 * What checkpoint storage needs from an object store: plain reads and writes, write-once
 * (`putIfAbsent`, for manifests) and compare-and-swap (`putIfMatch`, for the slot head).
 * `s3.ts` implements it over @aws-sdk/client-s3; `test/conformance/object-store.ts` pins it.
 */

export interface StoredObject {
  body: Buffer
  etag: string
}

export type ConditionalPut = { written: true; etag: string } | { written: false }

export interface ObjectStore {
  /** undefined when the key does not exist. */
  get(key: string): Promise<StoredObject | undefined>
  put(key: string, body: Buffer): Promise<{ etag: string }>
  /** Writes only if no object exists at `key` (If-None-Match: *). */
  putIfAbsent(key: string, body: Buffer): Promise<ConditionalPut>
  /** Writes only if the object at `key` still has `etag` (If-Match): a compare-and-swap. */
  putIfMatch(key: string, body: Buffer, etag: string): Promise<ConditionalPut>
  /** Every key under `prefix`, in lexicographic order. */
  list(prefix: string): Promise<string[]>
  /** Deleting a missing key is not an error. */
  delete(keys: readonly string[]): Promise<void>
}

/** The store could not be reached or answered with a server error: retry later. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError'
  readonly code = 'EXACTLY_STORAGE_UNAVAILABLE'
}

/** The store refused the request (credentials, missing bucket, …): retrying will not help. */
export class StorageRequestError extends Error {
  override name = 'StorageRequestError'
  readonly code = 'EXACTLY_STORAGE_REQUEST'
}
