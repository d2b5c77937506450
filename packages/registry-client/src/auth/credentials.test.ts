import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialLookup, defaultAuthFiles, defaultLoginFile, normaliseAuthKey, parseCreds } from './credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'ocikit-creds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credentialLookup', () => {
  it('prefers --creds, then files in order, repository-scoped keys first', async () => {
    const first = join(dir, 'auth.json');
    const second = join(dir, 'config.json');
    writeFileSync(first, JSON.stringify({ auths: { 'reg.example/team': { auth: b64('team:t') }, 'reg.example': { auth: b64('all:a') } } }));
    writeFileSync(second, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:h') }, 'other.example': { auth: b64('o:o') } } }));
    const lookup = credentialLookup({ authFiles: [join(dir, 'missing.json'), first, second] });
    expect(await lookup('reg.example', 'team/app')).toEqual({ username: 'team', password: 't' });
    expect(await lookup('reg.example', 'else/app')).toEqual({ username: 'all', password: 'a' });
    expect(await lookup('docker.io', 'library/busybox')).toEqual({ username: 'hub', password: 'h' });
    expect(await lookup('other.example')).toEqual({ username: 'o', password: 'o' });
    expect(await lookup('none.example')).toBeUndefined();
    expect(await credentialLookup({ creds: 'u:p:with:colons', authFiles: [first] })('reg.example')).toEqual({ username: 'u', password: 'p:with:colons' });
  });

  it('asks credHelpers for the host and credsStore as the fallback', async () => {
    const file = join(dir, 'helpers.json');
    writeFileSync(file, JSON.stringify({ credHelpers: { 'a.example': 'special' }, credsStore: 'desktop', auths: {} }));
    const asked: string[] = [];
    const lookup = credentialLookup({
      authFiles: [file],
      runHelper: async (helper, server) => {
        asked.push(`${helper} ${server}`);
        return helper === 'special' ? { username: 's', password: 'x' } : undefined;
      },
    });
    expect(await lookup('a.example')).toEqual({ username: 's', password: 'x' });
    expect(await lookup('b.example')).toBeUndefined();
    expect(await lookup('docker.io')).toBeUndefined();
    expect(asked).toEqual(['special a.example', 'desktop b.example', 'desktop https://index.docker.io/v1/']);
  });

  it('reports broken files and creds clearly', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{nope');
    await expect(credentialLookup({ authFiles: [bad] })('x.example')).rejects.toMatchObject({ code: 'ERR_REGISTRY_CREDENTIALS' });
    expect(() => parseCreds('nopassword')).toThrow(/USERNAME:PASSWORD/);
  });

  it('knows the default file locations and auth keys', () => {
    expect(defaultAuthFiles({ REGISTRY_AUTH_FILE: '/a', XDG_RUNTIME_DIR: '/run/u', HOME: '/h' })).toEqual(['/a', '/run/u/containers/auth.json', '/h/.config/containers/auth.json', '/h/.docker/config.json']);
    expect(defaultAuthFiles({ HOME: '/h', DOCKER_CONFIG: '/d' })).toEqual(['/h/.config/containers/auth.json', '/d/config.json']);
    expect(defaultLoginFile({ HOME: '/h' })).toBe('/h/.config/containers/auth.json');
    expect(defaultLoginFile({ XDG_RUNTIME_DIR: '/run/u', HOME: '/h' })).toBe('/run/u/containers/auth.json');
    expect(normaliseAuthKey('https://registry-1.docker.io/v2/')).toBe('docker.io');
    expect(normaliseAuthKey('http://reg.example:5000/')).toBe('reg.example:5000');
  });
});
