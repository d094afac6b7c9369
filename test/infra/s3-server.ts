// placeholder until weed flags are checked
export interface S3Server {
  info: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string }
}
export async function startS3(_dir: string, _launch: unknown): Promise<S3Server> {
  throw new Error('todo')
}
