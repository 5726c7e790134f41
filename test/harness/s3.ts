// An S3-compatible object store on a test host: SeaweedFS (`weed server` with its S3
// gateway), built from its Go module by test/tools/build.sh. Three identities, as an
// operator of Cloudflare R2 or AWS S3 would set them up:
//   admin      creates the bucket (the test's setup only);
//   publisher  reads, writes, lists and deletes in that bucket: the key `fleet publish` gets;
//   anonymous  reads objects (the public side of the site) and may not list them.
// Telemetry is off (its default is on, to a public address). Killed with the host.
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { weedBin } from '../tools/index.ts';
import type { TestHost } from './host.ts';

export interface S3Credentials { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string }

export interface TestS3 {
  /** The S3 API (path style), e.g. http://10.77.0.2:8333. */
  endpoint: string;
  bucket: string;
  /** The bucket's public URL: anonymous reads of exact keys. */
  publicUrl: string;
  publisher: S3Credentials;
  pid: number;
  /** Every key in the bucket with its ETag (as admin). */
  keys(): Promise<Map<string, string>>;
  close(): void;
}

export const S3_PORT = 8333;

/** `volumes`: SeaweedFS volumes of 64 MB the store may grow to (a publish of 10,000 users needs some 60). */
export async function startS3(h: TestHost, opts: { bucket?: string; volumes?: number } = {}): Promise<TestS3> {
  const bucket = opts.bucket ?? 'site';
  const dir = '/root/seaweedfs';
  const admin = { accessKeyId: 'boxfleet-admin', secretAccessKey: 'boxfleet-admin-secret-0123456789' };
  const publisher = { AWS_ACCESS_KEY_ID: 'boxfleet-publisher', AWS_SECRET_ACCESS_KEY: 'boxfleet-publisher-secret-0123456789' };
  const config = {
    identities: [
      { name: 'admin', credentials: [{ accessKey: admin.accessKeyId, secretKey: admin.secretAccessKey }], actions: ['Admin'] },
      {
        name: 'publisher',
        credentials: [{ accessKey: publisher.AWS_ACCESS_KEY_ID, secretKey: publisher.AWS_SECRET_ACCESS_KEY }],
        actions: [`Read:${bucket}`, `Write:${bucket}`, `List:${bucket}`],
      },
      { name: 'anonymous', actions: [`Read:${bucket}`] },
    ],
  };
  await h.exec(['sh', '-c', `rm -rf ${dir} && mkdir -p ${dir}/data`], { check: true });
  await h.put(`${dir}/s3.json`, JSON.stringify(config));
  // The host sees none of the tools cache: the binary goes in through stdin.
  await h.put('/usr/local/bin/weed', readFileSync(weedBin()), '0755');
  const ip = h.ip;
  const pid = await h.spawnServer([
    '/usr/local/bin/weed', 'server', `-ip=${ip}`, `-ip.bind=${ip}`, `-dir=${dir}/data`,
    '-master.port=9333', '-master.port.grpc=19333', '-volume.port=8080', '-volume.port.grpc=18080',
    '-filer', '-filer.port=8888', '-filer.port.grpc=18888',
    '-s3', `-s3.port=${S3_PORT}`, '-s3.port.grpc=18333', '-s3.port.iceberg=0', '-s3.port.lance=0', `-s3.config=${dir}/s3.json`,
    '-master.telemetry=false', '-master.telemetry.url=http://127.0.0.1:9/',
    `-volume.max=${opts.volumes ?? 8}`, '-master.volumeSizeLimitMB=64',
  ]);
  const endpoint = `http://${ip}:${S3_PORT}`;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({ endpoint, region: 'auto', forcePathStyle: true, credentials: admin, maxAttempts: 1 });
  // The gateway listens before the filer and volumes are ready: wait until a bucket can be made.
  const deadline = Date.now() + 60_000;
  for (let i = 0; ; i++) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      break;
    } catch (e) {
      if ((e as Error).name === 'BucketAlreadyExists' || (e as Error).name === 'BucketAlreadyOwnedByYou') break;
      if (Date.now() > deadline || i > 600) throw new Error(`boxfleet harness: SeaweedFS on ${h.name} did not come up: ${(e as Error).message}\n${readFileSync(h.serverLog(pid)!, 'utf8').split('\n').filter((l) => /^[EFW]|panic/.test(l)).slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint, bucket, publicUrl: `${endpoint}/${bucket}`, publisher, pid,
    async keys() {
      const out = new Map<string, string>();
      let token: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of r.Contents ?? []) out.set(o.Key!, (o.ETag ?? '').replace(/"/g, ''));
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    close() { client.destroy(); },
  };
}
