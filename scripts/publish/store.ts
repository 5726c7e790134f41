// The few S3 operations publishing needs, on the AWS SDK's S3 client (any S3-compatible
// store: Cloudflare R2, AWS S3, SeaweedFS in the tests). Credentials come from the
// environment and only from there: the SDK's default chain would also try the instance
// metadata address, a packet to a machine that is not the store.
import {
  DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Target } from '../model/types.ts';
import { clipText, terminalText } from '../text/escape.ts';

export const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

export interface PutRequest {
  key: string;
  body: Buffer;
  md5: string;
  contentType: string;
  cacheControl: string;
  contentDisposition?: string;
}

/** A store under the site's prefix: every key here is relative to it. */
export interface Store {
  get(key: string): Promise<Buffer | undefined>;
  put(req: PutRequest): Promise<void>;
  /** Every key under the prefix with the MD5 its ETag gives ('' where the ETag is no MD5). */
  list(): Promise<Map<string, string>>;
  remove(keys: string[]): Promise<void>;
  /** HTTP requests sent so far, retries included. */
  readonly requests: number;
  close(): void;
}

/**
 * A store's error, as a line fit for a terminal and a public CI log: it came from the
 * network (escaped, clipped), and a store may name the object, whose path is a user's
 * token (replaced).
 */
export function storeErrorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const text = e instanceof S3ServiceException
    ? `${e.name}: ${e.message} (HTTP ${e.$metadata.httpStatusCode ?? '?'})`
    : `${err.code ?? 'error'}: ${err.message ?? String(e)}`;
  return clipText(hideTokens(text), 300);
}

/** `text` for a terminal, with every token folder in it replaced by s/<token>. */
export function hideTokens(text: string): string {
  return terminalText(text.replace(TOKEN_PATH, 's/<token>'));
}

/** A token folder in a key or URL (tokens are 32 URL-safe characters). */
const TOKEN_PATH = /s\/[A-Za-z0-9_-]{16,}/g;

export function s3Store(target: S3Target, env: NodeJS.ProcessEnv): Store {
  // The SDK warns on every run under Node.js 20 that its releases from 2027 need Node.js 22;
  // the lock file pins the release in use, so the warning only adds noise to every publish.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [idName, secretName] = CREDENTIAL_ENV;
  const accessKeyId = env[idName];
  const secretAccessKey = env[secretName];
  if (!accessKeyId || !secretAccessKey) throw new Error(`${idName} and ${secretName} must be set: the credentials of a key that may read, write and delete objects in bucket ${target.bucket}`);
  const client = new S3Client({
    endpoint: target.endpoint,
    region: target.region ?? 'auto',
    forcePathStyle: target.path_style ?? true,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 3,
    // Integrity comes from Content-MD5, which every S3-compatible store checks; the SDK's
    // newer default checksums are not accepted by all of them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
  let requests = 0;
  // In the deserialize step, inside the retry loop: one count per request on the wire.
  client.middlewareStack.add((next) => async (args) => { requests++; return next(args); }, { step: 'deserialize', name: 'boxfleetCount' });
  const prefix = target.prefix ?? '';
  const Bucket = target.bucket;

  return {
    get requests() { return requests; },
    async get(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket, Key: prefix + key }));
        return r.Body ? Buffer.from(await r.Body.transformToByteArray()) : Buffer.alloc(0);
      } catch (e) {
        if (e instanceof S3ServiceException && (e.name === 'NoSuchKey' || e.$metadata.httpStatusCode === 404)) return undefined;
        throw e;
      }
    },
    async put(req) {
      await client.send(new PutObjectCommand({
        Bucket, Key: prefix + req.key, Body: req.body,
        ContentMD5: Buffer.from(req.md5, 'hex').toString('base64'),
        ContentType: req.contentType, CacheControl: req.cacheControl, ContentDisposition: req.contentDisposition,
      }));
    },
    async list() {
      const out = new Map<string, string>();
      let ContinuationToken: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix || undefined, ContinuationToken }));
        for (const o of r.Contents ?? []) {
          if (!o.Key) continue;
          const etag = (o.ETag ?? '').replace(/"/g, '').toLowerCase();
          out.set(o.Key.slice(prefix.length), /^[0-9a-f]{32}$/.test(etag) ? etag : '');
        }
        // A store that says "more" without saying where from would leave the rest unknown
        // (never deleted): that is an error, not the end of the list.
        if (r.IsTruncated && !r.NextContinuationToken) throw new Error(`the store's listing stopped after ${out.size} objects without a continuation token`);
        ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out;
    },
    async remove(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const r = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Quiet: true, Objects: batch.map((k) => ({ Key: prefix + k })) } }));
        const failed = r.Errors ?? [];
        if (failed.length > 0) throw new Error(`the store refused to delete ${failed.length} object(s), e.g. ${failed[0].Key}: ${failed[0].Code}`);
      }
    },
    close() { client.destroy(); },
  };
}
