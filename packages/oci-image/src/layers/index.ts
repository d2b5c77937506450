export { readLayerEntries, normaliseEntryPath, TruncatedLayerError, type LayerEntry, type ReadEntriesOptions, type EntryType } from './tar-reader.js';
export { encodeHeader, encodePax, decodePax, TarFormatError, END_OF_ARCHIVE, type WriteHeader } from './tar-format.js';
export { applyLayer, type ApplyOptions, type ApplyStats } from './apply.js';
export { SafeRoot, cleanEntryPath } from './safe-path.js';
export { parseWhiteout, WHITEOUT_PREFIX, OPAQUE_WHITEOUT, type Whiteout } from './whiteout.js';
export { createLayer, layerOfChanges, tarOfChanges, writeLayerBlob, type CreatedLayer, type CreateLayerOptions, type LayerWriteOptions } from './create.js';
export { createLayerFromTar, plainTar } from './from-tar.js';
export { diffTrees, type Change, type DiffOptions } from './diff.js';
export { walkTree, type TreeNode } from './tree.js';
