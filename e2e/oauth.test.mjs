// End-to-end test of vpnlens's OAuth mode with the official MCP TypeScript
// SDK client against a real OpenID provider (zitadel's OIDC library, run by
// internal/testidp/testidp): `vpnlens serve --http --oauth-issuer`.
//
// What runs here is the SDK's own OAuth machinery, nothing written for the
// test: its 401 handling and WWW-Authenticate parsing, its Protected
// Resource Metadata discovery (parsed with the SDK's schema), its
// authorization server discovery, and its client_credentials provider,
// which asks the provider's token endpoint for a token for this server
// (RFC 8707 resource) and retries with it. A browser authorization-code
// flow cannot run on this machine.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  extractWWWAuthenticateParams,
  discoverOAuthProtectedResourceMetadata,
  discoverAuthorizationServerMetadata,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { startHTTP, startIdP } from './lib.mjs';

const SCOPE = 'vpnlens.read';

describe('OAuth resource server (streamable HTTP)', () => {
  let idp;
  let server;
  let url;

  before(async () => {
    idp = await startIdP(['-scopes', SCOPE]);
    // Debug logging: even then no token may appear in the log (checked in after()).
    server = startHTTP(['--oauth-issuer', idp.issuer, '--oauth-scopes', SCOPE, '--log-level', 'debug']);
    url = await server.url;
  });

  after(async () => {
    if (server) {
      const { code, signal } = await server.stop();
      assert.equal(code, 0, `vpnlens exit code ${code} (signal ${signal}); stderr:\n${server.stderr()}`);
      assert.ok(!server.stderr().includes('eyJ'), 'vpnlens logged something that looks like a JWT');
    }
    if (idp) await idp.stop();
  });

  test('an SDK client without credentials gets 401 naming the metadata and the scope', async () => {
    const client = new Client({ name: 'vpnlens-e2e-noauth', version: '0.0.0' });
    let seen;
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (String(input) === url && res.status === 401) seen = res.clone();
        return res;
      },
    });
    await assert.rejects(client.connect(transport), (err) => {
      assert.match(String(err), /401|Unauthorized/);
      return true;
    });
    assert.ok(seen, 'no 401 from /mcp');
    const params = extractWWWAuthenticateParams(seen);
    assert.equal(params.resourceMetadataUrl?.href, new URL(url).origin + '/.well-known/oauth-protected-resource/mcp');
    assert.equal(params.scope, SCOPE);
    assert.equal(params.error, undefined);
    await client.close().catch(() => {});
  });

  test('the protected resource metadata parses with the SDK schema and names the provider', async () => {
    const md = await discoverOAuthProtectedResourceMetadata(url);
    assert.equal(md.resource, url);
    assert.deepEqual(md.authorization_servers, [idp.issuer]);
    assert.deepEqual(md.scopes_supported, [SCOPE]);
    assert.deepEqual(md.bearer_methods_supported, ['header']);
    // And the SDK finds the provider's metadata from there.
    const as = await discoverAuthorizationServerMetadata(md.authorization_servers[0]);
    assert.equal(as.issuer, idp.issuer);
    assert.equal(as.token_endpoint, idp.token_endpoint);
  });

  test('the SDK client_credentials flow gets a token for this server and calls tools', async () => {
    const provider = new ClientCredentialsProvider({
      clientId: idp.client_id,
      clientSecret: idp.client_secret,
      expectedIssuer: idp.issuer,
      // This SDK's client_credentials provider asks for its configured
      // scope, not the challenge's.
      scope: SCOPE,
    });
    const client = new Client({ name: 'vpnlens-e2e-oauth', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    try {
      const tokens = provider.tokens();
      assert.ok(tokens?.access_token, 'the SDK saved no access token');
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
      assert.deepEqual([claims.aud].flat(), [url], 'the token was not issued for this server (RFC 8707 resource)');
      assert.equal(claims.iss, idp.issuer);

      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'list_vpn_connections'), 'list_vpn_connections missing');
      const res = await client.callTool({ name: 'list_vpn_connections', arguments: {} });
      assert.ok(!res.isError, `isError: ${JSON.stringify(res.content).slice(0, 300)}`);
      assert.ok(JSON.stringify(res.structuredContent).includes('vpn-0a1b2c3d4e5f60718'));
    } finally {
      await client.close();
    }
  });

  test('a token without the scope gets 403 insufficient_scope, which the SDK reads and tries to step up', async () => {
    // No scope configured: the provider's token carries none, vpnlens
    // answers 403 insufficient_scope naming the scope, the SDK re-runs its
    // flow with that scope (its client_credentials provider still asks for
    // its own, none) and gives up on the second 403.
    const provider = new ClientCredentialsProvider({ clientId: idp.client_id, clientSecret: idp.client_secret, expectedIssuer: idp.issuer });
    let forbidden;
    const client = new Client({ name: 'vpnlens-e2e-no-scope', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      authProvider: provider,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (res.status === 403) forbidden = res.clone();
        return res;
      },
    });
    await assert.rejects(client.connect(transport), /403 after trying upscoping/);
    assert.ok(forbidden, 'no 403');
    const params = extractWWWAuthenticateParams(forbidden);
    assert.equal(params.error, 'insufficient_scope');
    assert.equal(params.scope, SCOPE);
    await client.close().catch(() => {});
  });

  test('a token for another resource is refused with invalid_token', async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, resource: 'https://other.example.com/mcp' });
    const tr = await fetch(idp.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${idp.client_id}:${idp.client_secret}`).toString('base64'),
      },
      body,
    });
    assert.equal(tr.status, 200);
    const { access_token: token } = await tr.json();
    const client = new Client({ name: 'vpnlens-e2e-wrong-aud', version: '0.0.0' });
    let seen;
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (res.status === 401) seen = res.clone();
        return res;
      },
    });
    await assert.rejects(client.connect(transport));
    assert.ok(seen, 'no 401');
    const params = extractWWWAuthenticateParams(seen);
    assert.equal(params.error, 'invalid_token');
    assert.ok(params.resourceMetadataUrl, 'no resource_metadata');
    await client.close().catch(() => {});
  });
});
