// End-to-end tests of vpnlens with the official MCP TypeScript SDK client,
// over stdio (as Claude Desktop runs it) and over streamable HTTP.
//
// Tool calls come from the table below. A call whose tool is not listed by
// the server is skipped with a notice; a listed tool that answers wrongly
// fails.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { vpnlensBinary, startHTTP } from './lib.mjs';

const VPN = 'vpn-0a1b2c3d4e5f60718';
const DAY = '2026-06-12';

const includes = (v, s) => JSON.stringify(v).includes(s);

// Calls that must succeed, with a check of the structured content.
const toolCalls = [
  {
    name: 'list_vpn_connections',
    args: {},
    check: (sc) => assert.ok(includes(sc, VPN), `no ${VPN} in ${JSON.stringify(sc).slice(0, 500)}`),
  },
  {
    name: 'get_tunnel_options',
    args: { vpn_connection_id: VPN },
    check: (sc) => assert.ok(includes(sc, VPN), 'answer does not name the connection'),
  },
  {
    name: 'diagnose_tunnel_drop',
    args: { vpn_connection_id: VPN, tunnel: '2', at: `${DAY}T20:27:00Z` },
    check: (sc) => {
      assert.equal(sc.root_cause?.category, 'ike.cgw_delete_ike_sa');
      assert.ok(Array.isArray(sc.root_cause.evidence) && sc.root_cause.evidence.length > 0, 'no evidence');
      assert.ok(sc.incident?.start, 'no incident.start');
    },
  },
  {
    // The same question as a person types it: "HH:MM" on the latest day with logs.
    label: 'diagnose_tunnel_drop (HH:MM, UTC)',
    name: 'diagnose_tunnel_drop',
    args: { vpn_connection_id: VPN, tunnel: '2', at: '20:27' },
    check: (sc) => assert.equal(sc.root_cause?.category, 'ike.cgw_delete_ike_sa'),
  },
  {
    // In local time: 16:27 in New York (EDT) is 20:27 UTC.
    label: 'diagnose_tunnel_drop (HH:MM in America/New_York)',
    name: 'diagnose_tunnel_drop',
    args: { vpn_connection_id: VPN, tunnel: '2', at: '16:27', timezone: 'America/New_York' },
    check: (sc) => assert.equal(sc.root_cause?.category, 'ike.cgw_delete_ike_sa'),
  },
  {
    // 22:27 in Berlin (CEST) on the 12th is 20:27 UTC.
    label: 'diagnose_tunnel_drop (date and time in Europe/Berlin)',
    name: 'diagnose_tunnel_drop',
    args: { vpn_connection_id: VPN, tunnel: '2', at: `${DAY} 22:27`, timezone: 'Europe/Berlin' },
    check: (sc) => assert.equal(sc.root_cause?.category, 'ike.cgw_delete_ike_sa'),
  },
  {
    name: 'get_vpn_timeline',
    args: { vpn_connection_id: VPN, start: `${DAY}T20:00:00Z`, end: `${DAY}T21:00:00Z` },
    check: (sc) => assert.ok(includes(sc, 'ike.cgw_delete_ike_sa'), 'timeline lacks the CGW DELETE of the incident'),
  },
  {
    // A few minutes around the drop: at real density an hour's first page is
    // the liveness exchange every ~10 s, long before 20:25.
    name: 'fetch_vpn_logs',
    args: { vpn_connection_id: VPN, tunnel: '2', start: `${DAY}T20:25:00Z`, end: `${DAY}T20:30:00Z`, limit: 20 },
    check: (sc) => {
      assert.ok(includes(sc, '20:2'), 'no record from around 20:2x');
      assert.ok(includes(sc, 'AWS tunnel received DELETE for IKE_SA from CGW'), 'the page lacks the CGW DELETE of 20:25:12');
    },
  },
  {
    name: 'classify_vpn_message',
    args: { message: 'AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1' },
    check: (sc) => assert.equal(sc.category, 'bgp.hold_timer_expired'),
  },
  {
    name: 'summarize_vpn_health',
    args: { vpn_connection_id: VPN, start: `${DAY}T00:00:00Z`, end: `${DAY}T23:59:00Z` },
    check: (sc) => assert.ok(includes(sc, 'tunnel') || includes(sc, 'Tunnel'), 'no per-tunnel summary'),
  },
];

// Calls that must come back as isError results (never protocol errors),
// with text that helps the model fix its call.
const errorCalls = [
  {
    label: 'diagnose_tunnel_drop on an unknown connection',
    name: 'diagnose_tunnel_drop',
    args: { vpn_connection_id: 'vpn-0000000000000dead', tunnel: '1', at: `${DAY}T20:27:00Z` },
    text: /vpn-0000000000000dead/,
  },
  {
    label: 'diagnose_tunnel_drop with a time that is not a time',
    name: 'diagnose_tunnel_drop',
    args: { vpn_connection_id: VPN, tunnel: '2', at: 'yesterday-ish' },
    text: /yesterday-ish|time/i,
  },
  {
    label: 'fetch_vpn_logs with an unknown time zone',
    name: 'fetch_vpn_logs',
    args: { vpn_connection_id: VPN, start: `${DAY} 20:00`, end: `${DAY} 21:00`, timezone: 'Mars/Olympus_Mons' },
    text: /Mars\/Olympus_Mons|zone/i,
  },
];

const prompts = {
  triage_tunnel_drop: { vpn_connection_id: VPN, at: `${DAY}T20:27:00Z`, tunnel: '2' },
  vpn_health_review: { vpn_connection_id: VPN, window: '24h' },
};

function transports() {
  return [
    {
      name: 'stdio',
      async connect(client) {
        const transport = new StdioClientTransport({
          command: vpnlensBinary(),
          args: ['serve', '--demo', '--log-level', 'debug'],
          stderr: 'pipe',
        });
        let stderr = '';
        transport.stderr?.on('data', (d) => { stderr += d; });
        await client.connect(transport);
        return {
          stderr: () => stderr,
          async close() { await client.close(); },
        };
      },
    },
    {
      name: 'streamable HTTP',
      async connect(client) {
        const server = startHTTP();
        try {
          await client.connect(new StreamableHTTPClientTransport(new URL(await server.url)));
        } catch (err) {
          await server.stop();
          throw err;
        }
        return {
          stderr: server.stderr,
          async close() {
            await client.close();
            const { code, signal } = await server.stop();
            assert.equal(code, 0, `vpnlens exited with code ${code} signal ${signal} after SIGTERM`);
            assert.equal(server.stdout(), '', 'HTTP mode wrote to stdout');
          },
        };
      },
    },
  ];
}

for (const tr of transports()) {
  describe(`vpnlens over ${tr.name} with the TypeScript SDK client`, () => {
    const errors = [];
    let client;
    let conn;
    let tools = [];

    before(async () => {
      client = new Client({ name: 'vpnlens-e2e', version: '0.0.0' });
      client.onerror = (err) => errors.push(err);
      conn = await tr.connect(client);
      tools = (await client.listTools()).tools;
    });

    after(async () => {
      await conn?.close();
    });

    test('initialize: server info, capabilities, instructions', () => {
      const info = client.getServerVersion();
      assert.equal(info.name, 'vpnlens');
      assert.ok(info.version, 'no version');
      const caps = client.getServerCapabilities();
      for (const c of ['tools', 'resources', 'prompts', 'logging', 'completions']) {
        assert.ok(caps[c], `capability ${c} not declared`);
      }
      const instr = client.getInstructions() ?? '';
      assert.match(instr, /list_vpn_connections/);
      assert.match(instr, /diagnose_tunnel_drop/);
    });

    test('ping', async () => {
      await client.ping();
    });

    test('logging/setLevel', async () => {
      await client.setLoggingLevel('debug');
    });

    test('tools/list: read-only annotations and schemas', () => {
      console.log(`# tools listed over ${tr.name}: ${tools.map((t) => t.name).join(', ') || '(none)'}`);
      const names = new Set();
      for (const t of tools) {
        assert.ok(!names.has(t.name), `duplicate tool ${t.name}`);
        names.add(t.name);
        assert.equal(t.annotations?.readOnlyHint, true, `${t.name} readOnlyHint`);
        assert.equal(t.annotations?.destructiveHint, false, `${t.name} destructiveHint`);
        assert.equal(t.inputSchema?.type, 'object', `${t.name} inputSchema.type`);
        assert.ok(t.description, `${t.name} has no description`);
      }
    });

    for (const call of toolCalls) {
      test(`tools/call ${call.label ?? call.name}`, async (t) => {
        if (!tools.some((x) => x.name === call.name)) {
          t.skip(`${call.name} is not listed by the server yet`);
          return;
        }
        // The SDK validates structuredContent against the tool's outputSchema.
        const res = await client.callTool({ name: call.name, arguments: call.args });
        const text = res.content?.filter((c) => c.type === 'text').map((c) => c.text).join('\n') ?? '';
        assert.ok(!res.isError, `isError: ${text}`);
        assert.ok(text.length > 0, 'no text content');
        assert.ok(res.structuredContent && typeof res.structuredContent === 'object', 'no structuredContent');
        call.check(res.structuredContent);
      });
    }

    test('tools/call every other listed tool that needs no arguments', async (t) => {
      const inTable = new Set(toolCalls.map((c) => c.name));
      const others = tools.filter((x) => !inTable.has(x.name));
      if (others.length === 0) {
        t.skip('every listed tool is in the call table');
        return;
      }
      for (const tool of others) {
        if ((tool.inputSchema.required ?? []).length > 0) {
          t.diagnostic(`${tool.name} needs arguments and is not in the call table: not called`);
          continue;
        }
        const res = await client.callTool({ name: tool.name, arguments: {} });
        assert.ok(!res.isError, `${tool.name}: ${JSON.stringify(res.content)}`);
      }
    });

    for (const call of errorCalls) {
      test(`tools/call ${call.label} is an isError result`, async (t) => {
        if (!tools.some((x) => x.name === call.name)) {
          t.skip(`${call.name} is not listed by the server yet`);
          return;
        }
        const res = await client.callTool({ name: call.name, arguments: call.args });
        const text = res.content?.filter((c) => c.type === 'text').map((c) => c.text).join('\n') ?? '';
        assert.equal(res.isError, true, `expected isError, got: ${text.slice(0, 300)}`);
        assert.match(text, call.text);
      });
    }

    test('resources/list and resources/read', async (t) => {
      const { resources } = await client.listResources();
      if (resources.length === 0) {
        t.skip('no resources registered yet');
        return;
      }
      for (const r of resources) {
        const { contents } = await client.readResource({ uri: r.uri });
        assert.ok(contents.length > 0, `${r.uri}: no contents`);
        assert.ok((contents[0].text ?? contents[0].blob ?? '').length > 0, `${r.uri}: empty`);
      }
    });

    test('resources/templates/list and completion of a VPN id', async (t) => {
      const { resourceTemplates } = await client.listResourceTemplates();
      if (resourceTemplates.length === 0) {
        t.skip('no resource templates registered yet');
        return;
      }
      const tpl = resourceTemplates.find((x) => x.uriTemplate.includes('{vpn_connection_id}'));
      if (!tpl) {
        t.skip('no template takes vpn_connection_id');
        return;
      }
      const res = await client.complete({
        ref: { type: 'ref/resource', uri: tpl.uriTemplate },
        argument: { name: 'vpn_connection_id', value: 'vpn-' },
      });
      assert.ok(res.completion.values.includes(VPN), `completion of vpn- = ${JSON.stringify(res.completion.values)}`);
    });

    test('prompts/list and prompts/get', async (t) => {
      const { prompts: listed } = await client.listPrompts();
      if (listed.length === 0) {
        t.skip('no prompts registered yet');
        return;
      }
      for (const p of listed) {
        const args = prompts[p.name];
        if (!args) {
          t.diagnostic(`prompt ${p.name} is not in the prompt table: not fetched`);
          continue;
        }
        const res = await client.getPrompt({ name: p.name, arguments: args });
        assert.ok(res.messages.length > 0, `${p.name}: no messages`);
      }
    });

    test('no transport or protocol errors, logs on stderr', () => {
      assert.deepEqual(errors.map(String), []);
      assert.match(conn.stderr(), /vpnlens starting/);
    });
  });
}
