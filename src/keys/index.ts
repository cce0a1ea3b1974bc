export { resolveMasterSecret } from './master-secret.js';
export { KeyRing, RotationInProgressError, type KeySchedule, type KeyState, type KeyView, type SigningKeySet } from './key-ring.js';
