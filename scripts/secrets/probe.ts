// Credentials of the reserved probe user, which every node accepts but lets reach only the
// probe URL. Its labels differ from real users' (probe-uuid, ...), so even a user who
// somehow got the same name would not share a single byte with the probe.
import { PROBE_USER } from '../model/reserved.ts';
import { deriveUserLike, type UserCredentials, type UserLabels } from './user.ts';

// Reserved user name ('boxfleet-probe'), defined once by the model layer, which refuses
// users with this name; re-exported here for callers of the secrets stage.
export { PROBE_USER };

export const PROBE_LABELS: UserLabels = Object.freeze({
  uuid: 'probe-uuid',
  password: 'probe-password',
  ss2022: 'probe-ss2022-user',
  token: 'probe-sub-token',
});

/** Message: probe-<label>|v1|<epoch>|boxfleet-probe|<probeRev>[|<method>]. */
export function probeCredentials(secret: Buffer, epoch: number, probeRev: number): UserCredentials {
  return deriveUserLike(secret, PROBE_LABELS, epoch, PROBE_USER, probeRev);
}
