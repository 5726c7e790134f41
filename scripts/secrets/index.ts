// Credential derivation: every secret of the fleet comes from FLEET_SECRET by HMAC-SHA256
// over "<label>|<version>|<epoch>|<name>|<rev>[|<extra>]". Nothing secret is stored in Git.
export {
  SecretError,
  SECRET_ENV,
  MIN_SECRET_BYTES,
  GENERATE_HINT,
  DEMO_SECRET,
  DEMO_WARNING,
  isDemoSecret,
  loadMasterSecret,
  type MasterSecret,
  type SecretPurpose,
} from './master.ts';
export { derive, deriveBytes, derivationMessage, V1, type Part } from './hmac.ts';
export { SS2022_KEY_BYTES, ss2022KeyBytes } from './formats.ts';
export { userCredentials, USER_LABELS, type UserCredentials, type UserLabels } from './user.ts';
export {
  nodeCredentials,
  realityPublicKeyFromPrivate,
  NODE_LABELS,
  MAX_SHORT_IDS,
  type NodeCredentials,
  type SelfSignedKey,
} from './node.ts';
export { probeCredentials, PROBE_USER, PROBE_LABELS } from './probe.ts';
export { CredentialStore, openCredentialStore } from './store.ts';
export { vantageKey, VANTAGE_KEY_ENV, VANTAGE_KEY_PATTERN } from './vantage.ts';
export { pinMessage, pinSigner, type PinSigner } from './pin.ts';
export { inActions, maskBatch, maskValue, maskFields } from './mask.ts';
export { redactor, withAddresses, ADDRESS, REDACTED, MIN_REDACT_LENGTH } from './redact.ts';
