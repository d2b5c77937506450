import { describe, expect, it } from 'vitest';
import type { ImageConfig } from '@ocikit/oci-image';
import { applyMetadata, commandArgv, envMap, resolveWorkdir, shellOf } from './config-ops.js';

const base: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin', 'A=1'] }, rootfs: { type: 'layers', diff_ids: [] } };

describe('config operations', () => {
  it('resolves WORKDIR relative to the current one', () => {
    expect(resolveWorkdir(undefined, 'app')).toBe('/app');
    expect(resolveWorkdir('/srv', 'app/../x')).toBe('/srv/x');
    expect(resolveWorkdir('/srv', '/abs')).toBe('/abs');
  });
  it('uses the SHELL in force for shell-form commands', () => {
    const withShell = applyMetadata(base, { kind: 'SHELL', shell: ['/bin/bash', '-ec'] });
    expect(shellOf(base)).toEqual(['/bin/sh', '-c']);
    expect(applyMetadata(withShell, { kind: 'CMD', command: { shell: 'run it' } }).config?.Cmd).toEqual(['/bin/bash', '-ec', 'run it']);
    expect(commandArgv({ exec: ['a', 'b c'] }, ['/bin/sh', '-c'])).toEqual(['a', 'b c']);
  });
  it('ENV replaces keys in place, LABEL/EXPOSE/VOLUME merge, HEALTHCHECK NONE clears', () => {
    const env = applyMetadata(base, { kind: 'ENV', pairs: [['A', '2'], ['B', 'x y']] });
    expect(env.config?.Env).toEqual(['PATH=/bin', 'A=2', 'B=x y']);
    expect(envMap(env).get('B')).toBe('x y');
    const more = applyMetadata(applyMetadata(env, { kind: 'EXPOSE', values: ['80', '53/udp'] }), { kind: 'VOLUME', values: ['/data'] });
    expect(more.config?.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(more.config?.Volumes).toEqual({ '/data': {} });
    const hc = applyMetadata(more, { kind: 'HEALTHCHECK', healthcheck: { Test: ['CMD', 'true'] } });
    expect(hc.config?.Healthcheck).toEqual({ Test: ['CMD', 'true'] });
    expect(applyMetadata(hc, { kind: 'HEALTHCHECK', healthcheck: null }).config?.Healthcheck).toBeUndefined();
    expect(applyMetadata(base, { kind: 'ONBUILD', trigger: 'RUN x' }).config?.OnBuild).toEqual(['RUN x']);
    expect(applyMetadata(base, { kind: 'MAINTAINER', value: 'me' }).author).toBe('me');
    expect(base.config?.Env).toEqual(['PATH=/bin', 'A=1']);
  });
});
