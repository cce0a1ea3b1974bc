import { stopFerretDb } from './global-setup.js';

export default async function globalTeardown(): Promise<void> {
  stopFerretDb();
}
