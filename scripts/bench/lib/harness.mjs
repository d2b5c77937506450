// Pieces every benchmark shares: timing a command (wall, CPU, peak RSS), the
// median, and a throw-away docker-registry on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** `--name N` from the command line as a number, else the fallback. */
export function numberFlag(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

/** Stop with a clear line when a package's CLI has not been built yet. */
export function requireBuilt(pkg) {
  if (!existsSync(join(REPO, 'packages', pkg, 'dist', 'cli.js'))) {
    console.error(`${pkg} is not built: run \`pnpm build\` first`);
    process.exit(1);
  }
}

// GNU time, when present, adds the child's CPU time (user + sys), steadier
// than wall time when other processes share the cores, and its peak RSS.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Run argv once (spawn options such as env may be given): wall ms, CPU ms (NaN without GNU time), peak RSS MiB. Throws when it fails. */
export function timeCommand(argv, options = {}) {
  const command = GNU_TIME ? [GNU_TIME, '-f', '@@cpu %U %S %M', ...argv] : argv;
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26, ...options });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${String(result.stderr).trim().split('\n')[0]}`);
  const line = String(result.stderr).match(/@@cpu (\S+) (\S+) (\d+)\s*$/);
  return {
    wall,
    cpu: line ? (Number(line[1]) + Number(line[2])) * 1000 : NaN,
    rss: line ? Number(line[3]) / 1024 : NaN,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Time every case ({ name, argv, options? }) `runs` times after `warmup`
 * runs, taking turns (one of each per round) so that the load of a shared
 * machine, which comes and goes, weighs on each alike. Returns a Map of name
 * to { median, min, cpu } (ms; cpu is the median CPU time of the process
 * tree). A failing command throws, or with dropFailures is left out with a
 * line on stderr.
 */
export function interleavedRuns(cases, { runs, warmup = 2, dropFailures = false }) {
  const active = [];
  const tryTime = (c) => {
    try {
      return timeCommand(c.argv, c.options);
    } catch (error) {
      if (!dropFailures) throw error;
      console.error(`dropping ${c.name}: ${error.message}`);
      c.failed = true;
      return undefined;
    }
  };
  for (const c of cases) {
    const entry = { ...c, times: [] };
    for (let i = 0; i < warmup && !entry.failed; i++) tryTime(entry);
    if (!entry.failed) active.push(entry);
  }
  for (let round = 0; round < runs; round++) {
    for (const c of active) {
      if (c.failed) continue;
      const time = tryTime(c);
      if (time) c.times.push(time);
    }
  }
  return new Map(
    active
      .filter((c) => !c.failed)
      .map((c) => {
        const walls = c.times.map((t) => t.wall);
        return [c.name, { median: median(walls), min: Math.min(...walls), cpu: median(c.times.map((t) => t.cpu)) }];
      }),
  );
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * A docker-registry (no auth) in a fresh folder under `parent`; stop() removes
 * it. Plain HTTP, or with `{ tls: true }` HTTPS with a fresh self-signed
 * certificate for 127.0.0.1, whose `certDir` holds it as ca.crt (for
 * --cert-dir and curl --cacert). Needs openssl for TLS.
 */
export async function startRegistry(parent, { tls = false } = {}) {
  const dir = mkdtempSync(join(parent, 'registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  let tlsConfig = '';
  let certDir;
  if (tls) {
    certDir = join(dir, 'certs');
    mkdirSync(certDir);
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'server.key'), '-out', join(certDir, 'ca.crt')], { stdio: 'ignore' });
    if (made.status !== 0) throw new Error('openssl could not make a certificate');
    tlsConfig = `  tls:\n    certificate: ${join(certDir, 'ca.crt')}\n    key: ${join(dir, 'server.key')}\n`;
  }
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/storage\nhttp:\n  addr: 127.0.0.1:${port}\n${tlsConfig}`);
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const scheme = tls ? 'https' : 'http';
  const answers = () =>
    new Promise((resolve) => {
      const get = tls ? httpsGet : httpGet;
      get(`${scheme}://127.0.0.1:${port}/v2/`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on('error', () => resolve(false));
    });
  for (let i = 0; i < 200; i++) {
    if (await answers()) return { host: `127.0.0.1:${port}`, url: `${scheme}://127.0.0.1:${port}`, certDir, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  throw new Error('docker-registry did not start');
}
