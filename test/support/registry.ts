/**
 * Test harness: the real Docker distribution registry (Debian's
 * `docker-registry`) on 127.0.0.1 with a free port and a temporary storage
 * folder, anonymous or with htpasswd basic auth, token auth (a tiny JWT token
 * server in this process) and TLS with a self-signed CA.
 *
 *   const registry = await startRegistry({ auth: 'token', tls: true });
 *   ... registry.host, registry.url, registry.certDir, registry.username ...
 *   await registry.stop();
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** Serve HTTPS with a certificate signed by a fresh self-signed CA. */
  tls?: boolean;
  /** With tls: require a client certificate signed by the same CA (certDir gets client.cert and client.key). */
  clientCert?: boolean;
  /** Users for basic and token auth; default one user `tester` with a random password. */
  users?: Record<string, string>;
  /** storage.delete.enabled (default true). */
  deleteEnabled?: boolean;
  /** Token auth: grant only these actions (default: whatever was asked). */
  grant?: (account: string | undefined, scope: TokenScope) => string[];
  /** Token lifetime in seconds (default 300). */
  tokenLifetime?: number;
}

export interface TokenScope {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequest {
  account: string | undefined;
  scopes: string[];
  authorization: boolean;
}

export interface RunningRegistry {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** host:port as used in references, e.g. 127.0.0.1:40123 */
  host: string;
  port: number;
  auth: RegistryAuth;
  tls: boolean;
  /** The first user's name and password (basic and token auth). */
  username: string;
  password: string;
  users: Record<string, string>;
  /** A folder with ca.crt, as skopeo's --cert-dir takes it (TLS only). */
  certDir: string | undefined;
  caCertPath: string | undefined;
  storageDir: string;
  /** Requests the token server answered (token auth only). */
  tokenRequests: TokenRequest[];
  /** Token server URL (token auth only). */
  tokenRealm: string | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and a server certificate for 127.0.0.1/localhost, signed by it. */
export function makeTlsFiles(dir: string): { caCert: string; cert: string; key: string } {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ocikit test CA'], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
  return { caCert: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function parseScope(text: string): TokenScope | undefined {
  const parts = text.split(':');
  if (parts.length < 3) return undefined;
  const actions = (parts.pop() as string).split(',').filter(Boolean);
  const type = parts.shift() as string;
  return { type, name: parts.join(':'), actions };
}

interface TokenServer {
  realm: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

/** A token server as docker/distribution's token auth expects: RS256 JWTs with the signing cert in x5c. */
async function startTokenServer(dir: string, users: Record<string, string>, options: RegistryOptions): Promise<TokenServer> {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=ocikit test token issuer'], dir);
  const key = readFileSync(join(dir, 'token.key'), 'utf8');
  const certDer = Buffer.from(
    readFileSync(join(dir, 'token.crt'), 'utf8').replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''),
    'base64',
  );
  const requests: TokenRequest[] = [];
  const lifetime = options.tokenLifetime ?? 300;
  const server: Server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let account: string | undefined;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      if (user === undefined || users[user] === undefined || users[user] !== rest.join(':')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      account = user;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    requests.push({ account, scopes, authorization: header !== undefined });
    const access = scopes
      .map(parseScope)
      .filter((s): s is TokenScope => s !== undefined)
      .map((s) => ({ ...s, actions: account === undefined ? [] : options.grant ? options.grant(account, s) : s.actions }));
    const now = Math.floor(Date.now() / 1000);
    const head = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: 'ocikit-test-issuer',
      sub: account ?? '',
      aud: 'ocikit-test-registry',
      exp: now + lifetime,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const unsigned = `${base64url(JSON.stringify(head))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(key);
    const token = `${unsigned}.${base64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: lifetime, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function htpasswdFile(path: string, users: Record<string, string>): Promise<void> {
  const { default: bcrypt } = await import('bcryptjs');
  const lines = Object.entries(users).map(([user, pass]) => `${user}:${bcrypt.hashSync(pass, 5)}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function registryConfig(o: { port: number; storage: string; deleteEnabled: boolean; auth: string; tls: string }): string {
  return `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${o.storage}
  delete:
    enabled: ${o.deleteEnabled}
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${o.port}
  secret: ${randomBytes(16).toString('hex')}
${o.tls}${o.auth}`;
}

/** Resolves when /v2/ answers (200 or 401). */
async function waitForRegistry(url: string, tlsFiles: { ca?: Buffer; cert?: Buffer; key?: Buffer }, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    const status = await new Promise<number>((resolve) => {
      const requester = url.startsWith('https:') ? httpsRequest : httpRequest;
      const req = requester(`${url}/v2/`, { method: 'GET', ...tlsFiles, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status === 200 || status === 401) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${url}: ${stderr()}`);
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const auth = options.auth ?? 'none';
  const tls = options.tls ?? false;
  const users = options.users ?? { tester: `pw-${randomBytes(6).toString('hex')}` };
  const [username, password] = Object.entries(users)[0] ?? ['', ''];
  const dir = mkdtempSync(join(tmpdir(), 'ocikit-registry-'));
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  let tlsSection = '';
  let certDir: string | undefined;
  let caCertPath: string | undefined;
  if (tls) {
    const files = makeTlsFiles(dir);
    tlsSection = `  tls:\n    certificate: ${files.cert}\n    key: ${files.key}\n`;
    certDir = join(dir, 'certs');
    mkdirSync(certDir);
    writeFileSync(join(certDir, 'ca.crt'), readFileSync(files.caCert));
    caCertPath = files.caCert;
    if (options.clientCert) {
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'client.key'), '-out', 'client.csr', '-subj', '/CN=ocikit test client'], dir);
      openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', join(certDir, 'client.cert'), '-days', '2'], dir);
      tlsSection += `    clientcas:\n      - ${files.caCert}\n`;
    }
  }
  let authSection = '';
  let tokenServer: TokenServer | undefined;
  if (auth === 'basic') {
    await htpasswdFile(join(dir, 'htpasswd'), users);
    authSection = `auth:\n  htpasswd:\n    realm: ocikit-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    tokenServer = await startTokenServer(dir, users, options);
    authSection = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ocikit-test-registry\n    issuer: ocikit-test-issuer\n    rootcertbundle: ${join(dir, 'token.crt')}\n`;
  }
  const scheme = tls ? 'https' : 'http';
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const configPath = join(dir, 'config.yml');
    writeFileSync(configPath, registryConfig({ port, storage: storageDir, deleteEnabled: options.deleteEnabled ?? true, auth: authSection, tls: tlsSection }));
    const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const url = `${scheme}://127.0.0.1:${port}`;
    try {
      const tlsFiles = {
        ...(caCertPath ? { ca: readFileSync(caCertPath) } : {}),
        ...(certDir && options.clientCert ? { cert: readFileSync(join(certDir, 'client.cert')), key: readFileSync(join(certDir, 'client.key')) } : {}),
      };
      await waitForRegistry(url, tlsFiles, child, () => stderr);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      continue;
    }
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    return {
      url,
      host: `127.0.0.1:${port}`,
      port,
      auth,
      tls,
      username,
      password,
      users,
      certDir,
      caCertPath,
      storageDir,
      tokenRequests: tokenServer?.requests ?? [],
      tokenRealm: tokenServer?.realm,
      async stop() {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
        await tokenServer?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  await tokenServer?.close();
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

/** sha256 of bytes as a digest string, handy in tests. */
export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
