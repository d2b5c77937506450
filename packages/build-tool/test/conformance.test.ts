// The same Dockerfiles built by oci-build and by buildah (chroot isolation,
// vfs driver, a private store) from the same base image must give the same
// file trees (names, types, modes, owners, sizes, contents) and configs.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { buildah, comparableConfig, describeTree, ociBuild, tempDir, unpack, writeContext, removeTempDirs } from './support.js';

let base: string;

beforeAll(async () => {
  // buildah wants a lowercase path in an oci: reference; mkdtemp names are mixed case.
  const fx = await buildFixtures();
  const dir = join(tmpdir(), `ocikit-build-base-${process.pid}`);
  cpSync(fx.busybox.layout, dir, { recursive: true });
  base = `oci:${dir}:${fx.busybox.tag}`;
});

afterAll(() => {
  removeTempDirs();
  rmSync(join(tmpdir(), `ocikit-build-base-${process.pid}`), { recursive: true, force: true });
});

interface Case {
  name: string;
  dockerfile: string;
  files?: Record<string, string>;
  args?: string[];
  prepare?: (context: string) => void;
  /** oci-build's storage driver (default: the store's own, overlay here). */
  driver?: 'vfs';
  /** Config fields only oci-build writes: checked on ours, left out of the comparison. */
  ownOnly?: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'metadata instructions, ENV/ARG expansion, USER/WORKDIR ordering',
    dockerfile: `FROM BASE
ARG VERSION=1.2
ARG EMPTY
ENV APP=/srv/app NAME="my app" V=\${VERSION:-none} W=\${EMPTY:+set}
LABEL org.example.version=\${VERSION} "org.example.name"="\${NAME}"
WORKDIR \${APP}
WORKDIR sub
USER 1000:1000
WORKDIR /home/user
EXPOSE 8080 53/udp
VOLUME ["/data"]
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=30s --retries=2 CMD ["true"]
ONBUILD RUN echo triggered
ENTRYPOINT ["/bin/sh", "-c"]
CMD echo \$NAME
SHELL ["/bin/sh", "-ec"]
`,
    args: ['--build-arg', 'VERSION=2.0'],
    // buildah drops HEALTHCHECK and ONBUILD from OCI configs (with a warning); we keep them, as podman reads them.
    ownOnly: { Healthcheck: { Test: ['CMD', 'true'], Interval: 30e9, Retries: 2 }, OnBuild: ['RUN echo triggered'] },
  },
  {
    name: 'COPY and ADD: globs, directories, --chown, --chmod, tar extraction, whiteouts from RUN rm',
    dockerfile: `FROM BASE
COPY *.txt /dst/
COPY dir /dst/dir
COPY --chown=1000:100 --chmod=600 secret.conf /etc/app/
ADD archive.tar /opt/
COPY a.txt /renamed.txt
RUN rm -rf /etc/app/secret.conf /dst/b.txt && mkdir -p /made && echo run > /made/file && chmod 750 /made && ln -s /made/file /made/link
RUN rm -rf /dst/dir && mkdir /dst/dir && echo new > /dst/dir/new
`,
    files: { 'a.txt': 'a\n', 'b.txt': 'bb\n', 'dir/x': 'x\n', 'dir/sub/y': 'y\n', 'secret.conf': 'k=v\n', 'other.md': 'no\n' },
    prepare: (context) => {
      writeContext(join(context, 'tarsrc'), { 'inner/file': 'from tar\n', top: 'top\n' });
      execFileSync('tar', ['-cf', join(context, 'archive.tar'), '-C', join(context, 'tarsrc'), '.']);
    },
  },
  {
    name: 'whiteouts and opaque directories with the copy (vfs) driver',
    driver: 'vfs',
    dockerfile: `FROM BASE
COPY dir /dst/dir
RUN rm -rf /etc/group /dst/dir && mkdir /dst/dir && echo new > /dst/dir/new && chmod 700 /root
RUN rm -rf /tmp && mkdir -m 1777 /tmp && touch /tmp/t
`,
    files: { 'dir/x': 'x\n', 'dir/sub/y': 'y\n' },
  },
  {
    name: 'multi-stage with --target, COPY --from, cache and tmpfs mounts',
    dockerfile: `FROM BASE AS unused
RUN exit 1
FROM BASE AS build
RUN --mount=type=cache,target=/cache echo built > /cache/c && cp /cache/c /artifact
RUN --mount=type=tmpfs,target=/scratch echo t > /scratch/t && test ! -e /scratch/nothing
FROM BASE AS final
COPY --from=build /artifact /artifact
COPY --from=build /etc/passwd /copied/passwd
RUN cat /artifact > /check
FROM BASE AS after
RUN exit 3
`,
    args: ['--target', 'final'],
  },
  {
    name: '.dockerignore',
    dockerfile: 'FROM BASE\nCOPY . /ctx/\n',
    files: {
      '.dockerignore': '*.log\n/build\n**/*.tmp\n!keep.log\ndocs/**\n!docs/README.md\n',
      'a.log': 'x', 'keep.log': 'k', 'build/out': 'o', 'src/main.c': 'int main;', 'src/deep/t.tmp': 't', 'docs/guide.md': 'g', 'docs/README.md': 'r',
    },
  },
];

/**
 * buildah 1.28's chroot RUN creates empty /etc/hostname, /etc/hosts,
 * /etc/resolv.conf (mode 755) and /run as mount points when the base image
 * has none, and leaves them in the image; the base here has none of them.
 */
function withoutBuildahRunArtifacts(lines: string[]): string[] {
  const artifacts = [/^etc\/(hostname|hosts|resolv\.conf) f 755 0:0 0 /, /^run\/ d 755 0:0$/];
  return lines.filter((line) => !artifacts.some((a) => a.test(line)));
}

describe('conformance with buildah bud', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const context = writeContext(tempDir('ctx'), { Dockerfile: c.dockerfile.replaceAll('BASE', base), ...(c.files ?? {}) });
      c.prepare?.(context);
      const out = tempDir('out');
      const ours = ociBuild(['--root', join(out, 'store'), ...(c.driver ? ['--storage-driver', c.driver] : []), 'bud', '--isolation', 'chroot', '-q', ...(c.args ?? []), '-t', `oci:${join(out, 'layout')}:ours`, context]);
      expect(ours.stderr).toBe('');
      expect(ours.status).toBe(0);
      expect(ours.stdout).toMatch(/^oci:.*:ours@sha256:[0-9a-f]{64}\n$/);
      const theirs = buildah(join(out, 'buildah'), ['bud', '--isolation', 'chroot', '-q', ...(c.args ?? []), '-t', `oci:${join(out, 'layout')}:theirs`, context]);
      expect(theirs.status, theirs.stderr).toBe(0);
      // (the trees are compared as lines so a failure shows the differing paths)
      const a = await unpack(join(out, 'layout'), 'ours');
      const b = await unpack(join(out, 'layout'), 'theirs');
      expect(describeTree(a.rootfs)).toEqual(withoutBuildahRunArtifacts(describeTree(b.rootfs)));
      const mine = comparableConfig(a.config);
      for (const [key, value] of Object.entries(c.ownOnly ?? {})) {
        expect(mine[key]).toEqual(value);
        delete mine[key];
      }
      const reference = comparableConfig(b.config);
      for (const key of Object.keys(c.ownOnly ?? {})) delete reference[key];
      expect(mine).toEqual(reference);
    });
  }
});
