// The library's public API: named exports only.
export { CairnError, isCairnError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export { systemClock, fixedClock } from './core/clock.js';
export type { Clock } from './core/clock.js';
export { MemoryReporter, silentReporter } from './core/reporter.js';
export type { CairnEvent, Progress, Reporter } from './core/reporter.js';
export { planRetention, policyFromFlags, describePolicy } from './core/retention.js';
export type { RetentionPolicy, RetentionPlan, RetentionItem } from './core/retention.js';
export { parseDuration, parseCalendarDuration } from './core/duration.js';
export { parsePointInTime } from './core/timestamp.js';
export { parseRate } from './core/rate.js';

export { loadConfig } from './config/load.js';
export type { CairnConfig } from './config/schema.js';

export { openStore } from './storage/open-store.js';
export { parseTarget, formatTarget, defaultTargetString } from './storage/target.js';
export { LocalStore } from './storage/local-store.js';
export { S3Store } from './storage/s3-store.js';
export { makeS3Client, resolveS3Settings } from './storage/s3-client.js';
export type { ObjectStore, ObjectInfo } from './storage/object-store.js';
export type { S3Settings } from './storage/s3-client.js';

export { shipBackup } from './ship/backup.js';
export type { ShipOptions, BackupResult } from './ship/backup.js';
export { shipWatch } from './ship/watch.js';
export type { WatchOptions, ShipDaemon } from './ship/watch.js';
export { shipRestore } from './ship/restore.js';
export type { RestoreOptions, RestoreResult } from './ship/restore.js';
export { shipPrune } from './ship/prune.js';
export type { PruneOptions, PruneResult, PruneHooks } from './ship/prune.js';
export { planManifests, planObjects } from './ship/plan-prune.js';
export { shipVerify } from './ship/verify.js';
export type { VerifyOptions, VerifyResult } from './ship/verify.js';
export type { RepairResult } from './ship/repair.js';
export { listRestorePoints } from './ship/list.js';
export { SHIP_DEFAULTS } from './ship/options.js';
export { shipBackupRequestSchema, parseShipBackupRequest } from './ship/requests/backup-request.js';
export type { ShipBackupRequest, ShipBackupRequestInput } from './ship/requests/backup-request.js';
export { shipWatchRequestSchema, parseShipWatchRequest } from './ship/requests/watch-request.js';
export type { ShipWatchRequest, ShipWatchRequestInput } from './ship/requests/watch-request.js';
export { shipRestoreRequestSchema, parseShipRestoreRequest } from './ship/requests/restore-request.js';
export type { ShipRestoreRequest, ShipRestoreRequestInput } from './ship/requests/restore-request.js';
export { shipPruneRequestSchema, parseShipPruneRequest } from './ship/requests/prune-request.js';
export type { ShipPruneRequest, ShipPruneRequestInput } from './ship/requests/prune-request.js';
export { shipVerifyRequestSchema, parseShipVerifyRequest } from './ship/requests/verify-request.js';
export type { ShipVerifyRequest, ShipVerifyRequestInput } from './ship/requests/verify-request.js';
export { shipListRequestSchema, parseShipListRequest } from './ship/requests/list-request.js';
export type { ShipListRequest, ShipListRequestInput } from './ship/requests/list-request.js';

export { archive, Archive } from './archive/archive.js';
export type { ArchiveOptions, SaveResult } from './archive/archive.js';
export { listArchives } from './archive/catalog.js';
export type { ArchiveInfo } from './archive/catalog.js';
export { restoreArchive } from './archive/restore.js';
export { pruneArchives } from './archive/prune.js';
export type { ArchiveFormat } from './archive/format.js';
export { createArchive } from './archive/create.js';
export type { ArchiveCreateOptions, ArchiveCreateResult, ArchiveDryRunResult } from './archive/create.js';
export { ARCHIVE_DEFAULTS } from './archive/options.js';
export type { ArchiveOutcome } from './archive/outcome.js';
export type { ArchiveRestoreOptions, ArchiveRestoreResult } from './archive/restore.js';
export type { ArchivePruneOptions, ArchivePruneResult } from './archive/prune.js';
export {
  archiveOptionsSchema,
  archiveCreateRequestSchema,
  parseArchiveOptions,
  parseArchiveCreateRequest,
} from './archive/requests/create-request.js';
export type {
  ArchiveOptionsRequest,
  ArchiveOptionsRequestInput,
  ArchiveCreateRequest,
  ArchiveCreateRequestInput,
} from './archive/requests/create-request.js';
export {
  archiveRestoreRequestSchema,
  parseArchiveRestoreRequest,
} from './archive/requests/restore-request.js';
export type {
  ArchiveRestoreRequest,
  ArchiveRestoreRequestInput,
} from './archive/requests/restore-request.js';
export { archivePruneRequestSchema, parseArchivePruneRequest } from './archive/requests/prune-request.js';
export type { ArchivePruneRequest, ArchivePruneRequestInput } from './archive/requests/prune-request.js';
export { archiveListRequestSchema, parseArchiveListRequest } from './archive/requests/list-request.js';
export type { ArchiveListRequest, ArchiveListRequestInput } from './archive/requests/list-request.js';

export { makeAwsClients, defaultRegion } from './aws/clients.js';
export type { AwsClients, AwsClientOptions } from './aws/clients.js';
export { ApiScheduler, SCHEDULER_DEFAULTS } from './aws/scheduler.js';
export type { SchedulerOptions } from './aws/scheduler.js';
export { PUBLISHED_LIMITS, classOf } from './aws/limits.js';
export { policyFor, actionsFor, parseIamCommands, IAM_COMMANDS } from './aws/iam.js';
export type { IamCommand, PolicyDocument } from './aws/iam.js';
export { SdkEc2 } from './ebs/sdk-ec2.js';
export { SdkSns } from './ebs/sdk-sns.js';
export type { Ec2Api, Notifier } from './ebs/ports.js';
export { snapshotCreate } from './ebs/create.js';
export type { SnapshotCreateOptions, SnapshotCreateResult } from './ebs/create.js';
export { snapshotTrim } from './ebs/trim.js';
export type { SnapshotTrimOptions, SnapshotTrimResult } from './ebs/trim.js';
export { snapshotCopy } from './ebs/copy.js';
export type { SnapshotCopyOptions, SnapshotCopyResult } from './ebs/copy.js';
export { snapshotList, summarizeSeries } from './ebs/list.js';
export { planCreate } from './ebs/plan-create.js';
export { planTrim } from './ebs/plan-trim.js';
export { planCopy } from './ebs/plan-copy.js';
export { seriesKey, DEFAULT_SERIES_KEY } from './ebs/series.js';
export { SNAPSHOT_DEFAULTS } from './ebs/options.js';
export { createRequestSchema, parseCreateRequest } from './ebs/requests/create-request.js';
export type { SnapshotCreateRequest, SnapshotCreateRequestInput } from './ebs/requests/create-request.js';
export { trimRequestSchema, parseTrimRequest } from './ebs/requests/trim-request.js';
export type { SnapshotTrimRequest, SnapshotTrimRequestInput } from './ebs/requests/trim-request.js';
export { copyRequestSchema, parseCopyRequest } from './ebs/requests/copy-request.js';
export type { SnapshotCopyRequest, SnapshotCopyRequestInput } from './ebs/requests/copy-request.js';
export { listRequestSchema, parseListRequest } from './ebs/requests/list-request.js';
export type { SnapshotListRequest, SnapshotListRequestInput } from './ebs/requests/list-request.js';
export type { RunOutcome } from './ebs/outcome.js';
