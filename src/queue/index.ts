/** The job queue contract, its in-process implementation, the pipeline worker pool and the processor. */
export { JOB_STATES, QueueRejection, isQueueRejection, QueueUnavailable, isQueueUnavailable } from './types.js';
export type { AddJobRequest, JobError, JobEvent, JobListener, JobOptions, JobOutcome, JobProcessor, JobQueue, JobRecord, JobState, JobWebhookTarget, QueueStats, RejectionCode, WebhookDelivery } from './types.js';
export { createMemoryQueue } from './memory-queue.js';
export type { MemoryQueueOptions } from './memory-queue.js';
export { createWorkerPool, defaultPoolSize, DEFAULT_JOB_TIMEOUT_MS } from './worker-pool.js';
export type { RunContext, WorkerPool, WorkerPoolOptions } from './worker-pool.js';
export { createPipelineProcessor } from './pipeline-processor.js';
export { newJobId, isJobId, JOB_ID_PATTERN } from './job-id.js';
export { isRetryable } from './retry.js';
export { createStorageJournal } from './journal.js';
export type { JobJournal, JournalEntry } from './journal.js';
export { hashClientKey } from './client-key.js';
