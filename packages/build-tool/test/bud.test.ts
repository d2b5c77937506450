// oci-build bud end to end: errors, reproducibility, the layer cache,
// heredocs, stdin inputs, secrets and the OCI runtime.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { describeTree, ociBuild, openLayoutImage, tempDir, unpack, writeContext, removeTempDirs } from './support.js';

let base: string;
let multiarch: string;

beforeAll(async () => {
  const fx = await buildFixtures();
  base = fx.busybox.ref;
  multiarch = fx.multiarch.ref;
});

afterAll(removeTempDirs);

function bud(store: string, context: string, extra: string[] = [], env: Record<string, string> = {}, input?: string | Buffer) {
  return ociBuild(['--root', store, 'bud', '--isolation', 'chroot', ...extra, context], { env, ...(input !== undefined ? { input } : {}) });
}

describe('errors', () => {
  it('a syntax error names the file, line and column', () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${base}\nRUN true\nCOPPY a b\n` });
    const r = bud(join(tempDir('s'), 'store'), ctx);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERR_BUILD_SYNTAX: Dockerfile:3:1: unknown instruction: COPPY/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a failing RUN reports step, command and exit code and leaves no image or container', () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${base}\nRUN echo ok > /ok\nRUN echo failing && exit 7\nRUN echo never\n` });
    const out = tempDir('out');
    const store = join(out, 'store');
    const r = bud(store, ctx, ['-t', `oci:${join(out, 'layout')}:x`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERR_BUILD_RUN_FAILED: step 3 \(Dockerfile:3\): "echo failing && exit 7" exited with code 7/);
    expect(r.stderr).toMatch(/^failing$/m);
    expect(r.stdout).toBe('');
    expect(existsSync(join(out, 'layout'))).toBe(false);
    expect(readdirSync(join(store, 'containers')).filter((n) => !n.startsWith('.'))).toEqual([]);
    expect(ociBuild(['--root', store, 'containers', '--format', 'json']).stdout.trim()).toBe('[]');
  });

  it('a missing COPY source is named', () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${base}\nCOPY present.txt not-here.txt /dst/\n`, 'present.txt': 'p' });
    const r = bud(join(tempDir('s'), 'store'), ctx);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERR_BUILD_SOURCE_NOT_FOUND: COPY\/ADD source "not-here.txt" not found in the build context/);
  });

  it('an unknown target stage and a bad destination are refused before any work', () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${base} AS one\n` });
    expect(bud(join(tempDir('s'), 'store'), ctx, ['--target', 'two']).stderr).toMatch(/target stage "two" could not be found/);
    expect(bud(join(tempDir('s'), 'store'), ctx, ['-t', 'oci-archive:']).stderr).toMatch(/ERR_OCI_REFERENCE/);
    const short = writeContext(tempDir('ctx'), { Dockerfile: 'FROM alpine:3\n' });
    expect(bud(join(tempDir('s'), 'store'), short).stderr).toMatch(/ERR_BUILD_BASE_UNKNOWN: image "alpine:3" is not in the store and names no transport/);
  });
});

describe('reproducible builds and the cache', () => {
  const dockerfile = () => `FROM ${base}\nCOPY a.txt /a.txt\nRUN cat /a.txt > /a.copy && date > /when\nCOPY b.txt /b.txt\nRUN cat /b.txt > /b.copy\n`;

  it('SOURCE_DATE_EPOCH gives one digest for two builds in separate stores', () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${base}\nCOPY a.txt /a.txt\nRUN mkdir /made && echo x > /made/x\nENV A=1\n`, 'a.txt': 'a' });
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const one = bud(join(tempDir('s1'), 'store'), ctx, ['-q'], env);
    const two = bud(join(tempDir('s2'), 'store'), ctx, ['-q'], env);
    expect(one.status, one.stderr).toBe(0);
    const digest = one.stdout.trim().split('@')[1];
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(two.stdout.trim().split('@')[1]).toBe(digest);
    const other = bud(join(tempDir('s3'), 'store'), ctx, ['-q', '--timestamp', '1700000001']);
    expect(other.stdout.trim().split('@')[1]).not.toBe(digest);
  });

  it('a rebuild after changing one copied file reruns only the steps after it', async () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: dockerfile(), 'a.txt': 'a1', 'b.txt': 'b1' });
    const store = join(tempDir('s'), 'store');
    const first = bud(store, ctx);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/4 step\(s\) run, 0 from cache/);
    const again = bud(store, ctx);
    expect(again.stderr).toMatch(/0 step\(s\) run, 4 from cache/);
    expect(again.stdout).toBe(first.stdout);
    writeFileSync(join(ctx, 'b.txt'), 'b2');
    const changed = bud(store, ctx);
    expect(changed.stderr).toMatch(/2 step\(s\) run, 2 from cache/);
    expect(changed.stderr).toMatch(/STEP 3\/5: RUN cat \/a.txt[^\n]*\n--> Using cache\nSTEP 4\/5: COPY b.txt \/b.txt\nSTEP 5/);
    const noCache = bud(store, ctx, ['--no-cache']);
    expect(noCache.stderr).toMatch(/4 step\(s\) run, 0 from cache/);
    // Pruning the unnamed step images empties the cache: the next build runs every step again.
    const { openStore, pruneStore } = await import('@ocikit/storage');
    await pruneStore(await openStore({ root: store }), { dangling: true });
    const afterPrune = bud(store, ctx);
    expect(afterPrune.status, afterPrune.stderr).toBe(0);
    expect(afterPrune.stderr).toMatch(/4 step\(s\) run, 0 from cache/);
  });
});

describe('Dockerfile features', () => {
  it('heredocs for RUN and COPY, with and without expansion', async () => {
    const dockerfile = [
      `FROM ${base}`,
      'ARG WHO=world',
      'RUN <<EOF',
      'echo "hello $WHO" > /greeting',
      'echo second >> /greeting',
      'EOF',
      'COPY <<EOT /expanded.txt',
      'hi ${WHO}',
      'EOT',
      'COPY <<"EOT" /literal.txt',
      'hi ${WHO}',
      'EOT',
      'RUN ["sh", "-c", "echo exec form  kept > /exec"]',
      'RUN <<SCRIPT',
      '#!/bin/sh -e',
      'echo "script ran as $0" > /script-out',
      'SCRIPT',
      'RUN cat <<EOF > /from-cat',
      'inline',
      'EOF',
      '',
    ].join('\n');
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: dockerfile });
    const out = tempDir('out');
    const r = bud(join(out, 'store'), ctx, ['-q', '--build-arg', 'WHO=you', '--build-arg', 'UNUSED=1', '-t', `oci:${join(out, 'l')}:t`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('warning: build argument UNUSED is not declared by any ARG in Dockerfile\n');
    const { rootfs } = await unpack(join(out, 'l'), 't');
    expect(readFileSync(join(rootfs, 'greeting'), 'utf8')).toBe('hello you\nsecond\n');
    expect(readFileSync(join(rootfs, 'expanded.txt'), 'utf8')).toBe('hi you\n');
    expect(readFileSync(join(rootfs, 'literal.txt'), 'utf8')).toBe('hi ${WHO}\n');
    expect(readFileSync(join(rootfs, 'from-cat'), 'utf8')).toBe('inline\n');
    expect(readFileSync(join(rootfs, 'exec'), 'utf8')).toBe('exec form kept\n');
    expect(readFileSync(join(rootfs, 'script-out'), 'utf8')).toBe('script ran as /.ocikit-heredoc-script\n');
    expect(existsSync(join(rootfs, '.ocikit-heredoc-script'))).toBe(false);
  });

  it('-f - with a context tar on stdin is refused; -f - alone and a context tar on stdin each work', async () => {
    const ctx = writeContext(tempDir('ctx'), { 'f.txt': 'from tar', Dockerfile: `FROM ${base}\nCOPY f.txt /f.txt\n` });
    const tar = execFileSync('tar', ['-cf', '-', '-C', ctx, '.']);
    const out = tempDir('out');
    const viaTar = ociBuild(['--root', join(out, 'store'), 'bud', '-q', '-t', `oci:${join(out, 'l')}:tar`, '-'], { input: tar });
    expect(viaTar.status, viaTar.stderr).toBe(0);
    expect(readFileSync(join((await unpack(join(out, 'l'), 'tar')).rootfs, 'f.txt'), 'utf8')).toBe('from tar');
    const viaStdin = ociBuild(['--root', join(out, 'store'), 'bud', '-q', '-f', '-', '-t', `oci:${join(out, 'l')}:stdin`, ctx], { input: `FROM ${base}\nCOPY f.txt /g.txt\n` });
    expect(viaStdin.status, viaStdin.stderr).toBe(0);
    expect(existsSync(join((await unpack(join(out, 'l'), 'stdin')).rootfs, 'g.txt'))).toBe(true);
    expect(ociBuild(['bud', '-f', '-', '-'], { input: '' }).status).toBe(2);
  });

  it('several -t, --label, --iidfile, secrets that stay out of the image, zstd and docker format', async () => {
    const secret = join(tempDir('sec'), 'token');
    writeFileSync(secret, 's3cret');
    const ctx = writeContext(tempDir('ctx'), {
      Dockerfile: `FROM ${base}\nRUN --mount=type=secret,id=tok test "$(cat /run/secrets/tok)" = s3cret && echo used > /used\n`,
    });
    const out = tempDir('out');
    const iid = join(out, 'iid');
    const r = bud(join(out, 'store'), ctx, ['-q', '--secret', `id=tok,src=${secret}`, '--label', 'a=b', '--iidfile', iid, '--compression', 'zstd', '-t', `oci:${join(out, 'l')}:one`, '-t', `oci:${join(out, 'l')}:two`]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const digest = readFileSync(iid, 'utf8');
    expect(lines.every((l) => l.endsWith(`@${digest}`))).toBe(true);
    const { rootfs, config } = await unpack(join(out, 'l'), 'one');
    expect(config.config?.Labels?.a).toBe('b');
    expect(readFileSync(join(rootfs, 'used'), 'utf8')).toBe('used\n');
    expect(existsSync(join(rootfs, 'run/secrets'))).toBe(false);
    const manifest = await (await openLayoutImage(join(out, 'l'), 'one')).manifest();
    expect(manifest.layers[manifest.layers.length - 1]?.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    const docker = bud(join(out, 'store'), ctx, ['-q', '--secret', `id=tok,src=${secret}`, '--format', 'docker', '-t', `oci:${join(out, 'l')}:docker`]);
    expect(docker.status, docker.stderr).toBe(0);
    expect((await (await openLayoutImage(join(out, 'l'), 'docker')).manifest()).mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  it('RUN through runc (--isolation oci) with the USER and WORKDIR of the config', async () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${base}\nWORKDIR /srv\nRUN id -u > uid && pwd > cwd && chown 1000 /srv\nUSER 1000\nRUN id -u > /srv/uid2\n` });
    const out = tempDir('out');
    const r = ociBuild(['--root', join(out, 'store'), 'bud', '-q', '--isolation', 'oci', '-t', `oci:${join(out, 'l')}:oci`, ctx]);
    expect(r.status, r.stderr).toBe(0);
    const { rootfs } = await unpack(join(out, 'l'), 'oci');
    expect(readFileSync(join(rootfs, 'srv/uid'), 'utf8')).toBe('0\n');
    expect(readFileSync(join(rootfs, 'srv/cwd'), 'utf8')).toBe('/srv\n');
    expect(readFileSync(join(rootfs, 'srv/uid2'), 'utf8')).toBe('1000\n');
    // The runtime's mount points are not left in the image.
    expect(describeTree(rootfs).filter((l) => /^(dev|proc|sys)\/[^ ]/.test(l))).toEqual([]);
  });

  it('independent stages with --jobs 2, each result copied into the final stage', async () => {
    const dockerfile = [
      `FROM ${base} AS left`,
      'RUN echo left > /left',
      `FROM ${base} AS right`,
      'RUN echo right > /right',
      `FROM ${base}`,
      'COPY --from=left /left /out/left',
      'COPY --from=right /right /out/right',
      '',
    ].join('\n');
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: dockerfile });
    const out = tempDir('out');
    const r = bud(join(out, 'store'), ctx, ['--jobs', '2', '-t', `oci:${join(out, 'l')}:j`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/4 step\(s\) run, 0 from cache/);
    const { rootfs } = await unpack(join(out, 'l'), 'j');
    expect(readFileSync(join(rootfs, 'out/left'), 'utf8')).toBe('left\n');
    expect(readFileSync(join(rootfs, 'out/right'), 'utf8')).toBe('right\n');
    const failing = writeContext(tempDir('ctx'), { Dockerfile: dockerfile.replace('echo right > /right', 'exit 9') });
    const bad = bud(join(out, 'store'), failing, ['-q', '--jobs', '2', '-t', `oci:${join(out, 'l')}:bad`]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/ERR_BUILD_RUN_FAILED: step \d+ \(Dockerfile:4\): "exit 9" exited with code 9/);
    expect(bad.stdout).toBe('');
  });

  it('--platform picks the base from an index and sets TARGETARCH', async () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${multiarch}\nARG TARGETARCH\nARG TARGETPLATFORM\nLABEL arch=$TARGETARCH platform=$TARGETPLATFORM\n` });
    const out = tempDir('out');
    const r = bud(join(out, 'store'), ctx, ['-q', '--platform', 'linux/arm64/v8', '-t', `oci:${join(out, 'l')}:arm`]);
    expect(r.status, r.stderr).toBe(0);
    const { config } = await unpack(join(out, 'l'), 'arm');
    expect(config.architecture).toBe('arm64');
    expect(config.config?.Labels).toMatchObject({ arch: 'arm64', platform: 'linux/arm64/v8' });
  });

  it('ONBUILD triggers run in the child build and are cleared; RUN --network=none has only loopback; bind mounts of the context', async () => {
    const out = tempDir('out');
    const store = join(out, 'store');
    const parent = writeContext(tempDir('ctx'), { Dockerfile: `FROM ${base}\nONBUILD RUN echo triggered > /triggered\nONBUILD COPY child.txt /child.txt\n` });
    expect(bud(store, parent, ['-q', '-t', `oci:${join(out, 'l')}:parent`]).status).toBe(0);
    const child = writeContext(tempDir('ctx'), {
      Dockerfile: `FROM oci:${join(out, 'l')}:parent\nRUN --network=none grep -c : /proc/net/dev > /ifaces\nRUN --mount=type=bind,source=data,target=/mnt/data cat /mnt/data/in > /from-bind\n`,
      'child.txt': 'from the child context',
      'data/in': 'bound',
    });
    const r = bud(store, child, ['-q', '-t', `oci:${join(out, 'l')}:child`]);
    expect(r.status, r.stderr).toBe(0);
    const { rootfs, config } = await unpack(join(out, 'l'), 'child');
    expect(readFileSync(join(rootfs, 'triggered'), 'utf8')).toBe('triggered\n');
    expect(readFileSync(join(rootfs, 'child.txt'), 'utf8')).toBe('from the child context');
    expect(readFileSync(join(rootfs, 'ifaces'), 'utf8')).toBe('1\n');
    expect(readFileSync(join(rootfs, 'from-bind'), 'utf8')).toBe('bound');
    expect(existsSync(join(rootfs, 'mnt/data'))).toBe(false);
    expect(config.config?.OnBuild ?? []).toEqual([]);
  });

  it('FROM scratch: one layer with the copied files, the target platform in the config', async () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n', app: '#!/bin/true\n' });
    const out = tempDir('out');
    const r = bud(join(out, 'store'), ctx, ['-q', '--timestamp', '0', '-t', `oci:${join(out, 'l')}:s`]);
    expect(r.status, r.stderr).toBe(0);
    const { rootfs, config, layers } = await unpack(join(out, 'l'), 's');
    expect(layers).toBe(1);
    const tree = describeTree(rootfs);
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatch(/^app f 644 0:0 12 [0-9a-f]{16}$/);
    expect(config.config?.Entrypoint).toEqual(['/app']);
    expect(config.created).toBe('1970-01-01T00:00:00Z');
    expect(config.os).toBe('linux');
  });
});
