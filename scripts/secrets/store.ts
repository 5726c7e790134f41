// A memoizing facade over the pure derivations: renderers ask for the same user on every
// node (30 nodes × 2000 users), and the store remembers each secret value it handed out so
// that later stages can redact them from logs, plans and error messages.
import { nodeCredentials, type NodeCredentials } from './node.ts';
import { probeCredentials } from './probe.ts';
import { userCredentials, type UserCredentials } from './user.ts';
import { vantageKey } from './vantage.ts';
import { pinSigner, type PinSigner } from './pin.ts';
import { counter } from './formats.ts';
import type { MasterSecret } from './master.ts';
import { maskValue } from './mask.ts';

/**
 * The one way the pipeline gets a credential store: in GitHub Actions (master.mask) every
 * value is masked in the log the moment it is derived. Only tests build CredentialStore
 * directly; test/secrets/mask.test.ts checks that no stage does.
 */
export function openCredentialStore(master: MasterSecret, epoch: number): CredentialStore {
  return new CredentialStore(master.secret, epoch, { onSecret: master.mask ? maskValue : undefined });
}

export class CredentialStore {
  readonly #secret: Buffer;
  readonly epoch: number;
  readonly #users = new Map<string, UserCredentials>();
  readonly #nodes = new Map<string, NodeCredentials>();
  readonly #probes = new Map<number, UserCredentials>();
  readonly #secrets = new Set<string>();
  readonly #onSecret?: (value: string) => void;

  /**
   * `onSecret` sees every secret value once, when it is first derived: in GitHub Actions
   * it masks the value (`core.setSecret`) before anything could print it.
   */
  constructor(secret: Buffer, epoch: number, options: { onSecret?: (value: string) => void } = {}) {
    this.#secret = Buffer.from(secret); // a private copy: the caller may wipe or reuse its buffer
    this.epoch = counter(epoch, 'epoch');
    this.#onSecret = options.onSecret;
  }

  user(name: string, rev: number): UserCredentials {
    const key = `${rev}|${name}`;
    let creds = this.#users.get(key);
    if (creds === undefined) {
      creds = this.#recordUser(userCredentials(this.#secret, this.epoch, name, rev));
      this.#users.set(key, creds);
    }
    return creds;
  }

  probe(rev: number): UserCredentials {
    let creds = this.#probes.get(rev);
    if (creds === undefined) {
      creds = this.#recordUser(probeCredentials(this.#secret, this.epoch, rev));
      this.#probes.set(rev, creds);
    }
    return creds;
  }

  node(name: string, rev: number): NodeCredentials {
    const key = `${rev}|${name}`;
    let creds = this.#nodes.get(key);
    if (creds === undefined) {
      creds = this.#recordNode(nodeCredentials(this.#secret, this.epoch, name, rev));
      this.#nodes.set(key, creds);
    }
    return creds;
  }

  /** The key that signs sing-box pins for the nodes (see pin.ts). */
  pinSigner(): PinSigner {
    const signer = pinSigner(this.#secret);
    this.#record(signer.seedHex);
    return signer;
  }

  /** The signing key of a probe vantage (see vantage.ts). */
  vantageKey(name: string): string {
    const key = vantageKey(this.#secret, this.epoch, name);
    this.#record(key);
    return key;
  }

  /**
   * Every secret value derived so far, sorted. Public values (REALITY public key, the TLS
   * public key) are left out: they are meant to be seen. Short ids are included: they are
   * shared with users but are not for logs.
   */
  allSecretValues(): string[] {
    return [...this.#secrets].sort();
  }

  #record(...values: string[]): void {
    for (const value of values) {
      if (this.#secrets.has(value)) continue;
      this.#secrets.add(value);
      this.#onSecret?.(value);
    }
  }

  #recordUser(creds: UserCredentials): UserCredentials {
    this.#record(creds.uuid, creds.password, creds.token);
    return Object.freeze({
      uuid: creds.uuid,
      password: creds.password,
      token: creds.token,
      ss2022Key: (method: string): string => {
        const key = creds.ss2022Key(method);
        this.#record(key);
        return key;
      },
    });
  }

  #recordNode(creds: NodeCredentials): NodeCredentials {
    const pem = creds.selfSignedKey.privateKeyPem;
    // The whole PEM only matches if printed verbatim; its base64 lines catch partial dumps.
    const pemLines = pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
    this.#record(creds.realityPrivateKey, creds.hysteria2ObfsPassword, creds.clashApiSecret, pem, ...pemLines);
    return Object.freeze({
      realityPrivateKey: creds.realityPrivateKey,
      get realityPublicKey(): string { return creds.realityPublicKey; },
      hysteria2ObfsPassword: creds.hysteria2ObfsPassword,
      clashApiSecret: creds.clashApiSecret,
      selfSignedKey: creds.selfSignedKey,
      realityShortIds: (count: number): string[] => {
        const ids = creds.realityShortIds(count);
        this.#record(...ids);
        return ids;
      },
      ss2022ServerKey: (method: string): string => {
        const key = creds.ss2022ServerKey(method);
        this.#record(key);
        return key;
      },
    });
  }
}
