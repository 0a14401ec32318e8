/**
 * `slipway merge` (after the driver, like write and publish): the outputs of shard builds made on
 * separate machines, checked against their signed manifests, become the tree of one full build.
 */
export { folderDifference, mergeShards, readShard, type MergedTree, type MergeOptions, type MergeProblem, type MergeSigning, type ShardOutput } from './merge.js';
