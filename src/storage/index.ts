/** Storage of job bytes behind one interface; the local-folder backend; the TTL sweeper. */
export { isValidKey, jobKeys } from './storage.js';
export type { BlobStorage, StoredEntry } from './storage.js';
export { createLocalStorage } from './local-storage.js';
export type { LocalStorageOptions } from './local-storage.js';
export { startSweeper } from './sweeper.js';
export type { Sweeper, SweeperOptions } from './sweeper.js';
