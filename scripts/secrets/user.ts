// Per-user credentials. Message: <label>|v1|<epoch>|<user>|<rev>[|<method>].
// Bumping the user's rev rotates all of them; bumping the fleet epoch rotates everyone.
import { derive, V1 } from './hmac.ts';
import { counter, nameOf, ss2022KeyBytes, ss2022KeyText, urlSafeText, uuidText } from './formats.ts';

export interface UserCredentials {
  /** VLESS / VMess / TUIC user id: RFC 4122 version-4 shape. */
  readonly uuid: string;
  /** Trojan / Hysteria2 / TUIC password: base64url of 18 bytes, 24 characters. */
  readonly password: string;
  /** Subscription path token: base64url of 24 bytes (192 bits), 32 characters. */
  readonly token: string;
  /** The user's Shadowsocks-2022 key (uPSK): std base64 with padding, exact method size. */
  ss2022Key(method: string): string;
}

/** The labels of one user-like identity; the probe user has its own set. */
export interface UserLabels {
  readonly uuid: string;
  readonly password: string;
  readonly ss2022: string;
  readonly token: string;
}

export const USER_LABELS: UserLabels = Object.freeze({
  uuid: 'uuid',
  password: 'password',
  ss2022: 'ss2022-user',
  token: 'sub-token',
});

/** Shared by users and the probe user: same shapes, different labels. */
export function deriveUserLike(
  secret: Buffer,
  labels: UserLabels,
  epoch: number,
  userName: string,
  rev: number,
): UserCredentials {
  const parts = [counter(epoch, 'epoch'), nameOf(userName, 'user name'), counter(rev, 'rev')] as const;
  const ssKeys = new Map<string, string>();
  return Object.freeze({
    uuid: uuidText(derive(secret, labels.uuid, V1, ...parts)),
    password: urlSafeText(derive(secret, labels.password, V1, ...parts), 18),
    token: urlSafeText(derive(secret, labels.token, V1, ...parts), 24),
    ss2022Key(method: string): string {
      let key = ssKeys.get(method);
      if (key === undefined) {
        ss2022KeyBytes(method); // throws for an unsupported method before any derivation
        // The method is part of the message so the 128- and 256-bit keys are independent
        // (the 16-byte key is not a prefix of the 32-byte one).
        key = ss2022KeyText(derive(secret, labels.ss2022, V1, ...parts, method), method);
        ssKeys.set(method, key);
      }
      return key;
    },
  });
}

export function userCredentials(secret: Buffer, epoch: number, userName: string, rev: number): UserCredentials {
  return deriveUserLike(secret, USER_LABELS, epoch, userName, rev);
}
