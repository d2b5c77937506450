// (a) busybox: a runnable rootfs from the host's static busybox.
import { readFile } from 'node:fs/promises';
import { createLayout, hostPlatform, putImage, putLayer, taggedImage, writeIndexJson } from '../lib/layout.mjs';

export const BUSYBOX_APPLETS = [
  'cat', 'chmod', 'cp', 'date', 'dd', 'df', 'du', 'echo', 'env', 'false', 'find', 'grep', 'head',
  'hostname', 'id', 'kill', 'ln', 'ls', 'mkdir', 'mount', 'mv', 'nc', 'printf', 'ps', 'pwd', 'rm',
  'sed', 'seq', 'sh', 'sleep', 'sort', 'stat', 'tail', 'tee', 'test', 'touch', 'true', 'uname',
  'wc', 'which', 'whoami', 'wget',
];

export const BUSYBOX_PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
export const BUSYBOX_GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/** Entry specs of the busybox rootfs; the binary is read from busyboxPath. */
export async function busyboxEntries(busyboxPath = '/bin/busybox') {
  const binary = await readFile(busyboxPath);
  return [
    { path: 'bin', type: 'dir' },
    { path: 'bin/busybox', type: 'file', content: binary, mode: 0o755 },
    ...BUSYBOX_APPLETS.map((name) => ({ path: `bin/${name}`, type: 'symlink', target: 'busybox' })),
    { path: 'dev', type: 'dir' },
    { path: 'etc', type: 'dir' },
    { path: 'etc/group', type: 'file', content: BUSYBOX_GROUP },
    { path: 'etc/passwd', type: 'file', content: BUSYBOX_PASSWD },
    { path: 'proc', type: 'dir' },
    { path: 'root', type: 'dir', mode: 0o700 },
    { path: 'sys', type: 'dir' },
    { path: 'tmp', type: 'dir', mode: 0o1777 },
  ];
}

export async function buildBusybox(dir, { tag = 'latest', busyboxPath = '/bin/busybox' } = {}) {
  await createLayout(dir);
  const layer = await putLayer(dir, await busyboxEntries(busyboxPath));
  const image = await putImage(dir, {
    platform: hostPlatform(),
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
      Labels: { 'org.ocikit.fixture': 'busybox' },
    },
    layers: [layer],
    history: [{ created_by: 'ocikit test-fixtures: busybox rootfs' }],
  });
  await writeIndexJson(dir, [{ tag, descriptor: image.descriptor }]);
  return taggedImage(dir, tag, image, [layer]);
}
