/**
 * Large unconditional writes as S3 multipart uploads. Why: one PUT of a 125 MB task snapshot
 * needs one long request, and a per-request timeout long enough for it would also let a hung
 * server stall a checkpoint that long. In parts, every request carries a bounded body and its own
 * timeout, a few go at once, and a failed part fails the upload (the checkpoint retries it) and
 * aborts it, so the server does not keep the orphaned parts.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'

/** Bodies above this go in parts; below it one PUT is cheaper (three requests instead of one). */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024
/** S3's minimum for every part but the last is 5 MiB. */
export const PART_BYTES = 8 * 1024 * 1024
const PARTS_AT_ONCE = 4

export interface MultipartTarget {
  client: S3Client
  bucket: string
  key: string
  /** A fresh signal per request: every part gets the whole timeout. */
  abort: () => { abortSignal: AbortSignal }
}

/** Splits `length` bytes into [start, end) ranges of PART_BYTES (the last one shorter). Pure. */
export function partRanges(length: number, partBytes = PART_BYTES): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  for (let start = 0; start < length; start += partBytes) ranges.push([start, Math.min(length, start + partBytes)])
  return ranges
}

export async function putMultipart(target: MultipartTarget, body: Buffer): Promise<{ etag: string }> {
  const { client, bucket: Bucket, key: Key, abort } = target
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }), abort())
  const UploadId = created.UploadId
  if (!UploadId) throw new Error(`Cannot upload "${Key}" in parts: the server returned no upload id`)
  try {
    const ranges = partRanges(body.length)
    const etags: string[] = new Array(ranges.length)
    let next = 0
    const uploader = async () => {
      while (next < ranges.length) {
        const index = next++
        const [start, end] = ranges[index]!
        const res = await client.send(
          new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: index + 1, Body: body.subarray(start, end) }),
          abort(),
        )
        if (!res.ETag) throw new Error(`Cannot upload part ${index + 1} of "${Key}": the server returned no ETag`)
        etags[index] = res.ETag
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARTS_AT_ONCE, ranges.length) }, uploader))
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
      abort(),
    )
    return { etag: done.ETag ?? '' }
  } catch (error) {
    // Best effort: the caller's error is the one that matters.
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }), abort()).catch(() => {})
    throw error
  }
}
