import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { RunMount } from '../dockerfile/instructions.js';
import { BuildError } from '../errors.js';
import type { RunMountSpec } from './runner.js';
import type { BuildSession } from './session.js';
import { cleanSource } from './sources.js';

/**
 * RUN --mount as host mounts: cache folders kept in the store (by id, else
 * by target), tmpfs, secrets (read-only files), and bind mounts of the
 * context or of another stage's or image's rootfs.
 */
export async function resolveRunMounts(session: BuildSession, mounts: readonly RunMount[], workdir: string, stageIndex: number): Promise<RunMountSpec[]> {
  const out: RunMountSpec[] = [];
  for (const m of mounts) {
    const target = posix.isAbsolute(m.target) ? m.target : posix.join(workdir, m.target);
    if (m.type === 'tmpfs') out.push({ type: 'tmpfs', target, readonly: false });
    else if (m.type === 'cache') {
      const id = createHash('sha256').update(m.id ?? target).digest('hex').slice(0, 32);
      const dir = join(session.store.root, 'build-cache-mounts', id);
      await mkdir(dir, { recursive: true, mode: m.mode ?? 0o755 });
      out.push({ type: 'bind', source: dir, target, readonly: m.readonly });
    } else if (m.type === 'secret') {
      const source = session.secrets[m.id ?? posix.basename(target)];
      if (!source) {
        if (m.required) throw new BuildError('ERR_BUILD_SECRET', `secret ${JSON.stringify(m.id)} was not given`, { hint: 'pass --secret id=ID,src=FILE' });
        continue;
      }
      out.push({ type: 'bind', source, target, readonly: true });
    } else {
      const root = m.from ? await session.sourceRootOf(m.from, stageIndex) : session.contextRoot();
      out.push({ type: 'bind', source: join(root.dir, cleanSource(m.source ?? '')), target, readonly: m.readonly });
    }
  }
  return out;
}
