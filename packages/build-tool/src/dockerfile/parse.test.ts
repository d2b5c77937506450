import { describe, expect, it } from 'vitest';
import { DockerfileSyntaxError } from '../errors.js';
import { globalArgScope, platformArgs } from './args.js';
import { decodeInstruction } from './instructions.js';
import { execForm, parseDockerfile } from './parse.js';
import { planStages, stagesToBuild } from './stages.js';

const platform = platformArgs({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'amd64' });

function syntax(fn: () => unknown): DockerfileSyntaxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DockerfileSyntaxError);
    return error as DockerfileSyntaxError;
  }
  throw new Error('no error');
}

describe('parseDockerfile', () => {
  it('splits global ARGs and stages, with flags and positions', () => {
    const p = parseDockerfile('ARG V=1\nFROM busybox AS a\nRUN --mount=type=cache,target=/c echo hi \\\n  && echo there\nFROM a\nCOPY --from=a --chown=1:2 x /y\n');
    expect(p.globalArgs.map((a) => a.args)).toEqual(['V=1']);
    expect(p.stages).toHaveLength(2);
    const run = p.stages[0]!.instructions[0]!;
    expect(run.keyword).toBe('RUN');
    expect(run.line).toBe(3);
    expect(run.flags).toEqual([{ name: 'mount', value: 'type=cache,target=/c' }]);
    expect(run.args).toBe('echo hi   && echo there');
    expect(p.stages[1]!.instructions[0]!.flags.map((f) => f.name)).toEqual(['from', 'chown']);
  });
  it('reads heredocs, quoted ones unexpanded, <<- stripping tabs', () => {
    const p = parseDockerfile('FROM scratch\nRUN <<EOF\necho hi\necho $X\nEOF\nCOPY <<"EOT" /x.txt\n\thello $X\nEOT\nRUN <<-END\n\tindented\n\tEND\n');
    const [run, copy, dash] = p.stages[0]!.instructions;
    expect(run!.heredocs).toEqual([{ name: 'EOF', body: 'echo hi\necho $X\n', expand: true }]);
    expect(run!.args).toBe('<<EOF');
    expect(copy!.heredocs).toEqual([{ name: 'EOT', body: '\thello $X\n', expand: false }]);
    expect(dash!.heredocs[0]!.body).toBe('indented\n');
  });
  it('honours the escape directive', () => {
    const p = parseDockerfile('# escape=`\nFROM scratch\nRUN echo a `\n  b\n');
    expect(p.escape).toBe('`');
    expect(p.stages[0]!.instructions[0]!.args).toBe('echo a   b');
  });
  it('names file, line and column in syntax errors', () => {
    expect(syntax(() => parseDockerfile('FROM a\nRUN x\nBOGUS y\n', 'ctx/Dockerfile')).message).toMatch(/^ctx\/Dockerfile:3:1: unknown instruction: BOGUS/);
    expect(syntax(() => parseDockerfile('RUN x\nFROM a\n')).line).toBe(1);
    expect(syntax(() => parseDockerfile('# nothing\n')).message).toMatch(/no FROM/);
    expect(syntax(() => parseDockerfile('FROM a\nCOPY onlyone\n')).line).toBe(2);
    expect(syntax(() => parseDockerfile('FROM a\n  RUN <<EOF\necho\n')).column).toBe(3);
  });
  it('exec form is JSON with spaces kept', () => {
    expect(execForm('["echo", "a  b"]')).toEqual(['echo', 'a  b']);
    expect(execForm('[not json')).toBeUndefined();
    expect(execForm('echo [x]')).toBeUndefined();
  });
});

describe('args and stages', () => {
  it('predefines platform args and applies --build-arg over defaults', () => {
    const p = parseDockerfile('ARG BASE=busybox\nARG TAG\nARG D=${BASE}-${TARGETARCH}\nFROM ${BASE}:${TAG:-latest}\n');
    const scope = globalArgScope(p, { TAG: '1.36' }, platform);
    expect(scope.get('TARGETPLATFORM')).toBe('linux/arm64/v8');
    expect(scope.get('BUILDARCH')).toBe('amd64');
    expect(scope.get('D')).toBe('busybox-arm64');
    expect(planStages(p, scope)[0]!.base).toBe('busybox:1.36');
  });
  it('skips stages the target does not need and follows COPY --from and mounts', () => {
    const p = parseDockerfile(
      'FROM scratch AS unused\nFROM busybox AS build\nFROM busybox AS tools\nFROM build AS final\nCOPY --from=tools /a /a\nRUN --mount=type=bind,from=unused,target=/m true\nFROM busybox AS other\n',
    );
    const plans = planStages(p, new Map());
    expect(plans[3]!.dependsOn).toEqual([0, 1, 2]);
    expect(stagesToBuild(plans, 'final', 'Dockerfile').map((s) => s.name)).toEqual(['unused', 'build', 'tools', 'final']);
    expect(stagesToBuild(plans, undefined, 'Dockerfile').map((s) => s.name)).toEqual(['other']);
    expect(stagesToBuild(plans, 'TOOLS', 'Dockerfile').map((s) => s.name)).toEqual(['tools']);
    expect(() => stagesToBuild(plans, 'nope', 'Dockerfile')).toThrow(/could not be found/);
  });
  it('rejects duplicate stage names and malformed FROM', () => {
    expect(syntax(() => planStages(parseDockerfile('FROM a AS x\nFROM b AS x\n'), new Map())).line).toBe(2);
    expect(syntax(() => planStages(parseDockerfile('FROM a b\n'), new Map())).message).toMatch(/IMAGE \[AS NAME\]/);
  });
});

describe('decodeInstruction', () => {
  const vars = new Map([['V', '1'], ['DIR', '/srv/app'], ['FILES', 'a b']]);
  const ctx = { file: 'Dockerfile', escape: '\\', lookup: (n: string) => vars.get(n) };
  const one = (text: string) => decodeInstruction(parseDockerfile(`FROM scratch\n${text}\n`).stages[0]!.instructions[0]!, ctx);

  it('ENV and LABEL pairs, legacy form, quotes', () => {
    expect(one('ENV A=$V B="x y" C=${MISSING:-d}')).toEqual({ kind: 'ENV', pairs: [['A', '1'], ['B', 'x y'], ['C', 'd']] });
    expect(one('ENV K some value $V')).toEqual({ kind: 'ENV', pairs: [['K', 'some value 1']] });
    expect(one('LABEL "a b"=c d=\'$V\'')).toEqual({ kind: 'LABEL', pairs: [['a b', 'c'], ['d', '$V']] });
  });
  it('COPY flags, word splitting and heredoc sources', () => {
    expect(one('COPY --chown=1:2 --chmod=640 --link $FILES ${DIR}/')).toEqual({ kind: 'COPY', sources: ['a', 'b'], dest: '/srv/app/', heredocs: [], link: true, chown: '1:2', chmod: 0o640 });
    const hd = one('COPY <<EOT /x\nhi\nEOT');
    expect(hd.kind === 'COPY' && hd.sources).toEqual([]);
    expect(() => one('COPY --chmod=abc a b')).toThrow(/octal/);
    expect(() => one('COPY --bogus a b')).toThrow(/unknown flag --bogus/);
  });
  it('RUN mounts and network', () => {
    const run = one('RUN --mount=type=cache,target=/root/.cache,id=c1 --mount=type=secret,id=tok --network=none make');
    expect(run).toMatchObject({ kind: 'RUN', command: { shell: 'make' }, network: 'none' });
    expect(run.kind === 'RUN' && run.mounts).toEqual([
      { type: 'cache', target: '/root/.cache', id: 'c1', readonly: false },
      { type: 'secret', target: '/run/secrets/tok', id: 'tok', readonly: false },
    ]);
    expect(() => one('RUN --mount=type=weird,target=/x true')).toThrow(/unsupported mount type/);
  });
  it('CMD/ENTRYPOINT forms, SHELL, EXPOSE, VOLUME, WORKDIR', () => {
    expect(one('CMD ["a", "b c"]')).toEqual({ kind: 'CMD', command: { exec: ['a', 'b c'] } });
    expect(one('ENTRYPOINT run $V')).toEqual({ kind: 'ENTRYPOINT', command: { shell: 'run $V' } });
    expect(one('SHELL ["/bin/bash", "-c"]')).toEqual({ kind: 'SHELL', shell: ['/bin/bash', '-c'] });
    expect(() => one('SHELL /bin/bash')).toThrow(/JSON array/);
    expect(one('EXPOSE 80 53/udp')).toEqual({ kind: 'EXPOSE', values: ['80', '53/udp'] });
    expect(one('VOLUME ["/data", "/logs"]')).toEqual({ kind: 'VOLUME', values: ['/data', '/logs'] });
    expect(one('WORKDIR $DIR/sub')).toEqual({ kind: 'WORKDIR', value: '/srv/app/sub' });
  });
  it('HEALTHCHECK with durations, NONE, and ONBUILD', () => {
    expect(one('HEALTHCHECK --interval=1m30s --retries=3 CMD ["true"]')).toEqual({
      kind: 'HEALTHCHECK',
      healthcheck: { Test: ['CMD', 'true'], Interval: 90e9, Retries: 3 },
    });
    expect(one('HEALTHCHECK --timeout=500ms CMD curl -f x')).toEqual({ kind: 'HEALTHCHECK', healthcheck: { Test: ['CMD-SHELL', 'curl -f x'], Timeout: 5e8 } });
    expect(one('HEALTHCHECK NONE')).toEqual({ kind: 'HEALTHCHECK', healthcheck: null });
    expect(one('ONBUILD RUN echo hi')).toEqual({ kind: 'ONBUILD', trigger: 'RUN echo hi' });
    expect(() => one('ONBUILD FROM x')).toThrow(/not allowed/);
  });
});
