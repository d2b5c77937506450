export { ComposedImage, partsOf, type ImageParts } from './composed-image.js';
export { applyConfigPatch, type ConfigPatch } from './config-patch.js';
export { mutate, appendLayers, withConfig, withConfigFile, withAnnotations, withCreated, emptyImage, rebase, type LayerAddition } from './mutations.js';
export { indexOf, type IndexEntry } from './composed-index.js';
export { flatten, type FlattenOptions, type Flattened } from './flatten.js';
export { convertFormat, type ManifestFormat } from './convert.js';
