export { KeyRing, RotationInProgressError, type KeySchedule, type KeyState, type KeyView, type SigningKeySet } from './key-ring.js';
export { createKeysModule } from './module.js';
