import { DockerfileSyntaxError } from '../errors.js';
import { expandOrThrow, lookupIn, syntaxError } from './args.js';
import type { ParsedDockerfile, StageSource } from './parse.js';
import { expandWords } from './shell-lex.js';

export interface StagePlan {
  index: number;
  /** The `AS` name, lower-cased as BuildKit does; undefined when unnamed. */
  name: string | undefined;
  /** The base: an image reference, `scratch`, or another stage (see baseStage). */
  base: string;
  baseStage: number | undefined;
  /** --platform of the FROM line, expanded. */
  platform: string | undefined;
  /** Stages this one reads from (its base, COPY --from, RUN --mount from=). */
  dependsOn: number[];
  source: StageSource;
}

/** Find a stage by name or index among the ones before `before`. */
export function stageByName(plans: readonly StagePlan[], nameOrIndex: string, before = plans.length): StagePlan | undefined {
  const lower = nameOrIndex.toLowerCase();
  const byName = plans.slice(0, before).find((p) => p.name === lower);
  if (byName) return byName;
  if (/^\d+$/.test(nameOrIndex)) {
    const index = Number(nameOrIndex);
    if (index < before) return plans[index];
  }
  return undefined;
}

function fromValues(flagValue: string | undefined, mountSpec: string | undefined): string | undefined {
  if (flagValue !== undefined) return flagValue;
  if (!mountSpec) return undefined;
  for (const part of mountSpec.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key === 'from' && value) return value;
  }
  return undefined;
}

/** Resolve each FROM with the global args and find which stages every stage reads. */
export function planStages(parsed: ParsedDockerfile, globals: ReadonlyMap<string, string>): StagePlan[] {
  const plans: StagePlan[] = [];
  const lookup = lookupIn(globals);
  for (const stage of parsed.stages) {
    const raw = stage.from;
    let words: string[];
    try {
      words = expandWords(raw.args, lookup, parsed.escape);
    } catch (error) {
      throw syntaxError(parsed.file, raw, error);
    }
    if (!(words.length === 1 || (words.length === 3 && words[1]?.toUpperCase() === 'AS'))) {
      throw new DockerfileSyntaxError(parsed.file, raw.line, raw.column, 'FROM takes IMAGE [AS NAME]');
    }
    const name = words[2]?.toLowerCase();
    if (name !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(name)) {
      throw new DockerfileSyntaxError(parsed.file, raw.line, raw.column, `invalid stage name ${JSON.stringify(words[2])}`);
    }
    if (name !== undefined && plans.some((p) => p.name === name)) {
      throw new DockerfileSyntaxError(parsed.file, raw.line, raw.column, `duplicate stage name ${JSON.stringify(name)}`);
    }
    const base = words[0] as string;
    if (base === '') throw new DockerfileSyntaxError(parsed.file, raw.line, raw.column, 'FROM names an empty image (an unset ARG?)');
    const platformFlag = raw.flags.find((f) => f.name === 'platform')?.value;
    const platform = platformFlag === undefined ? undefined : expandOrThrow(platformFlag, lookup, parsed.escape, parsed.file, raw);
    const baseStage = plans.find((p) => p.name === base.toLowerCase())?.index;
    const dependsOn = new Set<number>(baseStage === undefined ? [] : [baseStage]);
    const plan: StagePlan = { index: stage.index, name, base, baseStage, platform, dependsOn: [], source: stage };
    plans.push(plan);
    for (const instruction of stage.instructions) {
      const from = instruction.flags.flatMap((f) => {
        const value = f.name === 'from' ? fromValues(f.value, undefined) : f.name === 'mount' ? fromValues(undefined, f.value) : undefined;
        return value === undefined ? [] : [expandOrThrow(value, lookup, parsed.escape, parsed.file, instruction)];
      });
      for (const ref of from) {
        const dep = stageByName(plans, ref, stage.index);
        if (dep) dependsOn.add(dep.index);
        else if (stageByName(plans, ref) === plan || /^\d+$/.test(ref)) {
          throw new DockerfileSyntaxError(parsed.file, instruction.line, instruction.column, `stage ${JSON.stringify(ref)} is not defined before this stage`);
        }
      }
    }
    plan.dependsOn = [...dependsOn].sort((a, b) => a - b);
  }
  return plans;
}

/** The target stage (default: the last) and every stage it needs, in build order. */
export function stagesToBuild(plans: readonly StagePlan[], target: string | undefined, file: string): StagePlan[] {
  const last = plans[plans.length - 1] as StagePlan;
  const wanted = target === undefined ? last : plans.find((p) => p.name === target.toLowerCase());
  if (!wanted) {
    throw new DockerfileSyntaxError(file, 1, 1, `target stage ${JSON.stringify(target)} could not be found`, {
      hint: `stages: ${plans.map((p) => p.name ?? String(p.index)).join(', ')}`,
    });
  }
  const needed = new Set<number>();
  const visit = (plan: StagePlan) => {
    if (needed.has(plan.index)) return;
    needed.add(plan.index);
    for (const dep of plan.dependsOn) visit(plans[dep] as StagePlan);
  };
  visit(wanted);
  return plans.filter((p) => needed.has(p.index));
}
