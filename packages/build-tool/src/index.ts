export * from './errors.js';
export { parseDockerfile, execForm, splitHeredocs, KEYWORDS, type ParsedDockerfile, type RawInstruction, type StageSource, type HeredocBody, type InstructionFlag } from './dockerfile/parse.js';
export { expandWord, expandWords, splitRaw, ExpansionError, type Lookup } from './dockerfile/shell-lex.js';
export { platformArgs, globalArgScope, parseArgDeclarations, type ArgDeclaration } from './dockerfile/args.js';
export { planStages, stagesToBuild, stageByName, type StagePlan } from './dockerfile/stages.js';
export { decodeInstruction, parseDuration, type Decoded, type RunMount, type CommandForm } from './dockerfile/instructions.js';
export { IgnoreRules, readIgnoreFile } from './ignore.js';
export { buildImage } from './build/build.js';
export type { BuildOptions, BuildResult, BuildProgress } from './build/types.js';
export { runInRootfs, type Isolation, type RunRequest, type RunMountSpec } from './build/runner.js';
export { importImage, commitToStore, changesLayer, composeImage, type ImportOptions, type StepCommit } from './working/images.js';
export { inFormat, finishImage } from './working/format.js';
export {
  fromImage, openWorkingContainer, listWorkingContainers, mountWorking, unmountWorking, removeWorking, configureWorking, commitWorking, withMounted, namesTransport,
  type BuilderRecord, type WorkingContainer, type FromOptions, type CommitWorkingOptions,
} from './working/builder.js';
export { runWorking, copyIntoWorking, type RunWorkingOptions, type CopyWorkingOptions } from './working/operations.js';
