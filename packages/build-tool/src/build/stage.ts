import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { diffTrees, layerOfChanges, resolveUser, walkTree, type HistoryEntry, type ImageConfig, type TreeNode } from '@ocikit/oci-image';
import { createContainer, mountContainer, removeContainer, type ContainerRecord } from '@ocikit/storage';
import { expandOrThrow, lookupIn } from '../dockerfile/args.js';
import { decodeInstruction, type Decoded } from '../dockerfile/instructions.js';
import type { RawInstruction } from '../dockerfile/parse.js';
import { expandWord } from '../dockerfile/shell-lex.js';
import type { StagePlan } from '../dockerfile/stages.js';
import { BuildError, SourceNotFoundError, StepFailedError } from '../errors.js';
import { stepKey } from './cache.js';
import { applyMetadata, commandArgv, DEFAULT_PATH, envMap, resolveWorkdir, shellOf } from './config-ops.js';
import { copyMatches, ensureDir, writeHeredocFile } from './copy-files.js';
import { runInRootfs } from './runner.js';
import { resolveRunMounts } from './run-mounts.js';
import { digestSources, hasGlob, matchSources, type SourceRoot } from './sources.js';
import type { BuildSession } from './session.js';
import { commitToStore, configOf } from '../working/images.js';

/** Where a `RUN <<EOF` script with a #! line is mounted for its run. */
const HEREDOC_SCRIPT = '/.ocikit-heredoc-script';

export interface StageResult {
  digest: string;
  config: ImageConfig;
}

interface Mounted {
  record: ContainerRecord;
  rootfs: string;
  /** The tree as committed last: the next step's layer is the difference from it. */
  snapshot: Map<string, TreeNode>;
}

/** Runs the instructions of one stage: a working container per step, a layer per changing step. */
export class StageRunner {
  private digest = '';
  private config!: ImageConfig;
  private key = '';
  private pending: HistoryEntry[] = [];
  /** WORKDIRs to create before the next change, each owned by the USER in force when it was named (as buildah does). */
  private pendingDirs: Array<{ path: string; user: string }> = [];
  private container: Mounted | undefined;
  private readonly args = new Map<string, string>();
  private cmdSet = false;

  constructor(private readonly session: BuildSession, private readonly plan: StagePlan) {}

  /** The build-wide number of the step being run (for messages). */
  private stepNo = 0;

  async run(instructions: readonly RawInstruction[], hooks: { before(raw: RawInstruction): number; after(raw: RawInstruction, step: number, cached: boolean): void }): Promise<StageResult> {
    const { session, plan } = this;
    const base = plan.baseStage !== undefined ? session.stageResult(plan.baseStage) : undefined;
    this.digest = base ? base.digest : await session.importBase(plan.base, plan.platform);
    this.config = structuredClone(base ? base.config : await configOf(session.store, this.digest));
    this.key = stepKey('base', this.digest);
    const triggers = this.config.config?.OnBuild ?? [];
    if (this.config.config?.OnBuild) delete this.config.config.OnBuild;
    const all = [...session.parseTriggers(triggers, plan.source.from), ...instructions];
    try {
      for (const raw of all) {
        this.stepNo = hooks.before(raw);
        hooks.after(raw, this.stepNo, await this.step(raw));
      }
      if (this.pendingDirs.length) await this.fsStep('WORKDIR (create)', '', async () => undefined, false);
      // The stage's image (config and history on top of the last layer) is cached too: a fully cached rebuild gives the same digest.
      const key = stepKey(this.key, 'stage-end', JSON.stringify(this.config), JSON.stringify(this.pending.map((h) => h.created_by)));
      const hit = session.noCache ? undefined : await session.cache.get(key);
      if (hit) return { digest: hit, config: await configOf(session.store, hit) };
      this.config.created = session.created();
      const digest = await commitToStore(session.store, this.digest, undefined, {
        config: this.config,
        pendingHistory: this.pending,
        layerHistory: undefined,
        compression: session.compression,
        ...session.stepOptions(),
      });
      await session.cache.set(key, digest);
      return { digest, config: this.config };
    } finally {
      await this.dropContainer();
    }
  }

  private lookup(): (name: string) => string | undefined {
    return lookupIn(envMap(this.config), this.args);
  }

  private history(text: string, emptyLayer: boolean): HistoryEntry {
    return { created: this.session.created(), created_by: text, ...(emptyLayer ? { empty_layer: true } : {}) } as HistoryEntry;
  }

  /** One instruction; returns true when it came from the cache. */
  private async step(raw: RawInstruction): Promise<boolean> {
    const { session } = this;
    const decoded = decodeInstruction(raw, { file: session.file, escape: session.escape, lookup: this.lookup() });
    switch (decoded.kind) {
      case 'ARG':
        for (const decl of decoded.decls) {
          const given = session.buildArgs[decl.name];
          let value: string | undefined = given;
          if (value === undefined && decl.default !== undefined) value = expandOrThrow(decl.default, this.lookup(), session.escape, session.file, raw);
          if (value === undefined) value = session.globals.get(decl.name);
          if (value === undefined) this.args.delete(decl.name);
          else this.args.set(decl.name, value);
        }
        this.key = stepKey(this.key, raw.text, JSON.stringify([...this.args]));
        return false;
      case 'RUN':
        return this.runStep(raw, decoded);
      case 'COPY':
      case 'ADD':
        return this.copyStep(raw, decoded);
      default: {
        if (decoded.kind === 'CMD') this.cmdSet = true;
        this.config = applyMetadata(this.config, decoded);
        if (decoded.kind === 'ENTRYPOINT' && !this.cmdSet && this.config.config) this.config.config.Cmd = null as unknown as string[];
        if (decoded.kind === 'WORKDIR') this.pendingDirs.push({ path: this.config.config?.WorkingDir ?? '/', user: this.config.config?.User ?? '' });
        const text = `/bin/sh -c #(nop) ${raw.keyword} ${this.expandedText(raw, decoded)}`;
        this.pending.push(this.history(text, true));
        this.key = stepKey(this.key, raw.text, JSON.stringify(decoded));
        return false;
      }
    }
  }

  private expandedText(raw: RawInstruction, decoded: Decoded): string {
    if (decoded.kind === 'ENV' || decoded.kind === 'LABEL') return decoded.pairs.map(([k, v]) => `${k}=${v}`).join(' ');
    if (decoded.kind === 'WORKDIR' || decoded.kind === 'USER') return decoded.value;
    return raw.text.slice(raw.keyword.length + 1);
  }

  private async ensureContainer(): Promise<Mounted> {
    if (this.container) return this.container;
    const record = await createContainer(this.session.store, this.digest.slice('sha256:'.length), { ...this.session.signalOption() });
    this.session.track(record.id);
    const { mountPoint } = await mountContainer(this.session.store, record.id);
    this.container = { record, rootfs: mountPoint, snapshot: snapshotOf(walkTree(mountPoint)) };
    return this.container;
  }

  private async dropContainer(): Promise<void> {
    if (!this.container) return;
    const id = this.container.record.id;
    this.container = undefined;
    await removeContainer(this.session.store, id, { force: true });
    this.session.untrack(id);
  }

  /**
   * A step that changes files: reuse the cached image for its key, or run
   * it in the working container and commit the changes as a layer.
   */
  private async fsStep(text: string, extra: string, perform: (rootfs: string) => Promise<void>, countAsStep = true): Promise<boolean> {
    const { session } = this;
    const key = stepKey(this.key, text, extra, JSON.stringify(this.pendingDirs));
    const hit = session.noCache ? undefined : await session.cache.get(key);
    if (hit) {
      await this.dropContainer();
      return this.advance(hit, key, true, countAsStep);
    }
    const t0 = performance.now();
    const container = await this.ensureContainer();
    const t1 = performance.now();
    for (const dir of this.pendingDirs) {
      const owner = await resolveUser(dir.user, container.rootfs);
      await ensureDir(container.rootfs, dir.path, { uid: owner.uid, gid: owner.gid });
    }
    await perform(container.rootfs);
    const t2 = performance.now();
    // The container stays for the next step: this step's layer is what changed since the last snapshot.
    const tree = walkTree(container.rootfs, session.signalOption().signal);
    const changes = diffTrees(tree, container.snapshot, { mode: 'snapshot' });
    const layer = await layerOfChanges(container.rootfs, changes, { compression: session.compression, tmpDir: session.store.paths.tmp, ...session.stepOptions() });
    const digest = await commitToStore(session.store, this.digest, layer, {
      config: { ...this.config, created: session.created() },
      pendingHistory: this.pending,
      layerHistory: this.history(text, false),
      compression: session.compression,
      ...session.stepOptions(),
    });
    container.snapshot = snapshotOf(tree);
    await session.cache.set(key, digest);
    const t3 = performance.now();
    session.logger?.debug?.(`${text.slice(0, 40)}: container ${ms(t1 - t0)}, run ${ms(t2 - t1)}, commit ${ms(t3 - t2)}, cleanup ${ms(performance.now() - t3)}`);
    return this.advance(digest, key, false, countAsStep);
  }

  /** The stage now stands at `digest`: pending history and dirs went into it. Returns whether it came from the cache. */
  private advance(digest: string, key: string, fromCache: boolean, countAsStep: boolean): boolean {
    this.digest = digest;
    this.key = key;
    this.pending = [];
    this.pendingDirs = [];
    this.session.counted(fromCache, countAsStep);
    return fromCache;
  }

  private runEnv(): string[] {
    const env = envMap(this.config);
    const out: string[] = [];
    for (const [k, v] of this.args) if (!env.has(k)) out.push(`${k}=${v}`);
    for (const [k, v] of env) out.push(`${k}=${v}`);
    if (!env.has('PATH')) out.unshift(DEFAULT_PATH);
    return out;
  }

  private async runStep(raw: RawInstruction, decoded: Extract<Decoded, { kind: 'RUN' }>): Promise<boolean> {
    const shell = shellOf(this.config);
    let argv: string[];
    const onlyMarkers = raw.heredocs.length > 0 && /^(\s*<<-?["']?[A-Za-z_][A-Za-z0-9_]*["']?)+\s*$/.test(raw.args);
    // A lone heredoc that starts with #! is a script run by its own interpreter (BuildKit does the same).
    const script = onlyMarkers && raw.heredocs.length === 1 && raw.heredocs[0]?.body.startsWith('#!') ? raw.heredocs[0].body : undefined;
    if (script !== undefined) argv = [HEREDOC_SCRIPT];
    else if (onlyMarkers) argv = [...shell, raw.heredocs.map((h) => h.body).join('')];
    else if (raw.heredocs.length) argv = [...shell, `${raw.args}\n${raw.heredocs.map((h) => `${h.body}${h.name}\n`).join('')}`];
    else argv = commandArgv(decoded.command, shell);
    const env = this.runEnv();
    const network = decoded.network === 'none' ? 'none' : 'host';
    const command = raw.heredocs.length ? `${raw.args} ${raw.heredocs.map((h) => h.body.trim()).join(' ')}` : 'exec' in decoded.command ? JSON.stringify(argv) : decoded.command.shell;
    const text = `/bin/sh -c ${'exec' in decoded.command && !raw.heredocs.length ? JSON.stringify(argv) : argv[argv.length - 1]}`;
    const extra = JSON.stringify({ env, mounts: decoded.mounts, network, user: this.config.config?.User ?? '', wd: this.config.config?.WorkingDir ?? '' });
    return this.fsStep(`RUN ${script !== undefined ? `<<${raw.heredocs[0]?.name} ${script}` : text}`, extra, async (rootfs) => {
      const mounts = await resolveRunMounts(this.session, decoded.mounts, this.config.config?.WorkingDir || '/', this.plan.index);
      let scriptFile: string | undefined;
      if (script !== undefined) {
        scriptFile = join(this.session.store.paths.tmp, `heredoc-${randomBytes(8).toString('hex')}`);
        await writeFile(scriptFile, script, { mode: 0o755 });
        mounts.push({ type: 'bind', source: scriptFile, target: HEREDOC_SCRIPT, readonly: true });
      }
      const code = await runInRootfs({
        rootfs,
        argv,
        env,
        cwd: this.config.config?.WorkingDir || '/',
        user: this.config.config?.User ?? '',
        mounts,
        network,
        isolation: this.session.isolation,
        ...(this.session.runtime ? { runtime: this.session.runtime } : {}),
        ...(this.session.runStdio ? { stdio: this.session.runStdio } : {}),
        ...this.session.signalOption(),
      }).finally(() => (scriptFile ? rm(scriptFile, { force: true }) : undefined));
      if (code !== 0) throw new StepFailedError(`step ${this.stepNo} (${this.session.file}:${raw.line})`, command, code);
    });
  }

  private async copyStep(raw: RawInstruction, decoded: Extract<Decoded, { kind: 'COPY' | 'ADD' }>): Promise<boolean> {
    const { session } = this;
    for (const s of decoded.sources) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) throw new BuildError('ERR_BUILD_REMOTE_SOURCE', `${raw.keyword} of a URL (${s}) is not supported`, { hint: 'download it first and COPY it from the context' });
    }
    const root: SourceRoot = decoded.from ? await session.sourceRootOf(decoded.from, this.plan.index) : session.contextRoot();
    const matches = decoded.sources.map((s) => ({ pattern: s, found: matchSources(root, s) }));
    const workdir = this.config.config?.WorkingDir || '/';
    const dest = posix.isAbsolute(decoded.dest) ? decoded.dest : `${resolveWorkdir(workdir, decoded.dest).replace(/\/+$/, '')}${decoded.dest.endsWith('/') || decoded.dest === '.' ? '/' : ''}`;
    const all = matches.flatMap((m) => m.found);
    const destIsDir = dest.endsWith('/') || all.length + decoded.heredocs.length > 1 || decoded.sources.some((s) => hasGlob(s));
    const lookup = this.lookup();
    const bodies = decoded.heredocs.map((h) => ({ name: h.name, body: h.expand ? expandWord(h.body.replace(/[\\"'`]/g, (c) => `${session.escape}${c}`), lookup, session.escape) : h.body }));
    const contentDigest = decoded.from ? `${root.label}` : digestSources(root, all);
    const extra = JSON.stringify({ content: contentDigest, bodies, chown: decoded.chown, chmod: decoded.chmod, dest, wd: workdir });
    const text = `${raw.keyword} ${decoded.chown ? `--chown=${decoded.chown} ` : ''}${decoded.chmod !== undefined ? `--chmod=${decoded.chmod.toString(8)} ` : ''}${[...decoded.sources, ...bodies.map((b) => `<<${b.name}`)].join(' ')} ${dest}`;
    return this.fsStep(text, extra, async (rootfs) => {
      const owner = decoded.chown ? await resolveUser(decoded.chown, rootfs) : { uid: 0, gid: 0 };
      const options = { owner: { uid: owner.uid, gid: owner.gid }, extractArchives: decoded.kind === 'ADD', ...(decoded.chmod !== undefined ? { chmod: decoded.chmod } : {}), ...session.signalOption() };
      if (all.length === 0 && bodies.length === 0) throw new SourceNotFoundError(decoded.sources.join(' '), root.label);
      await copyMatches(root, all, rootfs, dest, destIsDir, options);
      for (const b of bodies) await writeHeredocFile(rootfs, dest, b.name, b.body, destIsDir, options);
    });
  }
}

function ms(value: number): string {
  return `${Math.round(value)}ms`;
}

function snapshotOf(tree: readonly TreeNode[]): Map<string, TreeNode> {
  return new Map(tree.map((n) => [n.path, n]));
}
