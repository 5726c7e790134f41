// The signing key of one probe vantage: runs it uploads are accepted only with a MAC made
// with this key, so a forged or replayed run cannot mark nodes up or down. Self-hosted
// vantages hold only their own key (a secret of the GitHub environment `vantage-<name>`),
// never FLEET_SECRET; the hosted probe derives its key from FLEET_SECRET as it runs.
import { derive, V1 } from './hmac.ts';

export const VANTAGE_KEY_LABEL = 'vantage-key';

/** The environment variable a self-hosted vantage's probe reads its key from. */
export const VANTAGE_KEY_ENV = 'BOXFLEET_VANTAGE_KEY';

/** 64 lowercase hex characters (32 bytes). */
export const VANTAGE_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** HMAC-SHA256(FLEET_SECRET, "vantage-key|v1|<epoch>|<vantage>"), as hex. */
export function vantageKey(secret: Buffer, epoch: number, vantage: string): string {
  return derive(secret, VANTAGE_KEY_LABEL, V1, epoch, vantage).toString('hex');
}
