import { describe, expect, it } from 'vitest';
import { mergeEnv, normaliseCapability, parseBytes, parseCpus, parseEnv, parseEnvFile, parseMount, parsePublish, parseUlimit, parseVolume } from './parse.js';

describe('flag parsing', () => {
  it('parses sizes, cpus and ulimits', () => {
    expect(parseBytes('512m')).toBe(512 * 1024 * 1024);
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(parseBytes('4096')).toBe(4096);
    expect(() => parseBytes('lots')).toThrow(/invalid size/);
    expect(parseCpus('0.5')).toEqual({ quota: 50000, period: 100000 });
    expect(() => parseCpus('-1')).toThrow(/--cpus/);
    expect(parseUlimit('nofile=1024:2048')).toEqual({ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 });
    expect(parseUlimit('nproc=10')).toEqual({ type: 'RLIMIT_NPROC', soft: 10, hard: 10 });
    expect(() => parseUlimit('nofile=9:1')).toThrow(/soft limit above hard/);
    expect(() => parseUlimit('bogus=1')).toThrow(/invalid value/);
  });

  it('parses volumes and mounts', () => {
    expect(parseVolume('/a:/b:ro')).toEqual({ destination: '/b', type: 'bind', source: '/a', options: ['rbind', 'rprivate', 'ro'] });
    expect(() => parseVolume('rel:/b')).toThrow(/absolute/);
    expect(() => parseVolume('/a')).toThrow(/invalid volume/);
    expect(() => parseVolume('/a:/b:xx')).toThrow(/unknown option/);
    expect(parseMount('type=bind,source=/s,target=/t,ro')).toEqual({ destination: '/t', type: 'bind', source: '/s', options: ['rbind', 'rprivate', 'ro'] });
    expect(parseMount('type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777').options).toEqual(['nosuid', 'nodev', 'rw', 'size=1048576', 'mode=1777']);
    expect(() => parseMount('type=volume,target=/t')).toThrow(/unsupported type/);
    expect(() => parseMount('type=bind,target=/t')).toThrow(/absolute source/);
  });

  it('parses env values, env files and merges by name', () => {
    expect(parseEnv(['A=1', 'HOME', 'MISSING'], { HOME: '/root' })).toEqual(['A=1', 'HOME=/root']);
    expect(() => parseEnv(['=x'], {})).toThrow(/invalid variable/);
    expect(parseEnvFile('# c\n\nA=1\r\nB=two words\n', {})).toEqual(['A=1', 'B=two words']);
    expect(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3'])).toEqual(['PATH=/bin', 'A=2', 'B=3']);
  });

  it('parses port mappings and capabilities', () => {
    expect(parsePublish('8080:80')).toEqual({ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePublish('127.0.0.1:53:53/udp')).toEqual({ hostIP: '127.0.0.1', hostPort: 53, containerPort: 53, protocol: 'udp' });
    expect(() => parsePublish('99999:1')).toThrow(/invalid port/);
    expect(() => parsePublish('80/sctp')).toThrow(/protocol/);
    expect(normaliseCapability('net_admin')).toBe('CAP_NET_ADMIN');
    expect(normaliseCapability('all')).toBe('ALL');
    expect(() => normaliseCapability('x;y')).toThrow(/invalid capability/);
  });
});
