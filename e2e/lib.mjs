// Helpers shared by the end-to-end tests: find or build the vpnlens binary
// and start it as an HTTP server on a free loopback port.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');

let built;

// vpnlensBinary returns $VPNLENS_BIN, else ../vpnlens (what `.ci/run`
// builds), else builds one into a temp dir.
export function vpnlensBinary() {
  if (process.env.VPNLENS_BIN) return path.resolve(process.env.VPNLENS_BIN);
  const atRoot = path.join(repoRoot, 'vpnlens');
  if (existsSync(atRoot)) return atRoot;
  if (!built) {
    built = path.join(mkdtempSync(path.join(tmpdir(), 'vpnlens-e2e-')), 'vpnlens');
    execFileSync('go', ['build', '-o', built, '.'], { cwd: repoRoot, stdio: 'inherit' });
  }
  return built;
}

let builtIdP;

// testidpBinary returns $TESTIDP_BIN, else builds internal/testidp/testidp
// (a real OpenID provider: zitadel's OIDC library) into a temp dir.
export function testidpBinary() {
  if (process.env.TESTIDP_BIN) return path.resolve(process.env.TESTIDP_BIN);
  if (!builtIdP) {
    builtIdP = path.join(mkdtempSync(path.join(tmpdir(), 'vpnlens-e2e-idp-')), 'testidp');
    execFileSync('go', ['build', '-o', builtIdP, './internal/testidp/testidp'], { cwd: repoRoot, stdio: 'inherit' });
  }
  return builtIdP;
}

// startIdP runs the test OpenID provider and resolves with what it prints
// (issuer, token_endpoint, client_id, client_secret) and stop().
export function startIdP(args = []) {
  const child = spawn(testidpBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`testidp did not start in 60s; stderr:\n${stderr}`)), 60000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const info = JSON.parse(stdout.slice(0, nl));
      resolve({
        ...info,
        async stop() {
          child.stdin.end(); // it exits when stdin closes
          return exited;
        },
      });
    });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`testidp exited early (code ${code}, signal ${signal}); stderr:\n${stderr}`)); });
  });
}

// startHTTP runs `vpnlens serve --demo --http 127.0.0.1:0` and resolves once
// the server has logged its URL (port 0: the kernel picks a free port, so
// parallel runs never collide). stop() sends SIGTERM and resolves with the
// exit code.
export function startHTTP(extraArgs = []) {
  const bin = vpnlensBinary();
  const child = spawn(bin, ['serve', '--demo', '--http', '127.0.0.1:0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vpnlens did not log its URL in 20s; stderr:\n${stderr}`)), 20000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /url=(http:\/\/\S+\/mcp)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`vpnlens exited early (code ${code}, signal ${signal}); stderr:\n${stderr}`)); });
  });
  return {
    url,
    stderr: () => stderr,
    stdout: () => stdout,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ code: null, signal: 'SIGKILL (no exit 15s after SIGTERM)' }); }, 15000);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
