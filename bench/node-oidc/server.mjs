// node-oidc-provider configured like Gatehouse's bench tenant, for bench/run.sh.
//
//   PORT=9000 WORKERS=2 BENCH_TOKEN=... NODE_ENV=production node server.mjs
//
// One confidential client `svc` (client_secret_basic, client_credentials grant,
// scope api:read), opaque access tokens, introspection enabled. Tokens live in
// oidc-provider's default in-memory adapter (an LRU of 1000 entries per process).
//
// WORKERS=1 runs one process; WORKERS=N>1 forks N worker processes with node's
// cluster module sharing the port. The in-memory adapter is per process, so a
// token minted by one worker is unknown to the others. So that introspection can
// be measured in both modes, every worker stores the same ClientCredentials token
// (value BENCH_TOKEN, client svc, scope api:read) — exactly what the token
// endpoint would have stored — and stores it again every second, because tokens
// issued during the issuance benchmark push older entries out of the LRU.

import cluster from 'node:cluster';
import process from 'node:process';

import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || 9000);
const WORKERS = Number(process.env.WORKERS || 1);
const BENCH_TOKEN = process.env.BENCH_TOKEN || '';
const CLIENT_ID = 'svc';
const CLIENT_SECRET = 'bench-secret-0123456789abcdef';

if (WORKERS > 1 && cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal || code})`);
    process.exitCode = 1;
  });
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const issuer = `http://127.0.0.1:${PORT}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'api:read',
      },
    ],
    scopes: ['api:read'],
    // Gatehouse's default access token lifetime.
    ttl: { ClientCredentials: 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // The default policy, stated so the provider does not warn about it.
        allowedPolicy: async (ctx, client, token) => !(
          client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc.client.clientId
        ),
      },
    },
  });

  const seed = async () => {
    if (!BENCH_TOKEN) return;
    const client = await provider.Client.find(CLIENT_ID);
    const token = new provider.ClientCredentials({ client, scope: 'api:read', jti: BENCH_TOKEN });
    token.format = 'opaque'; // what generateTokenId sets when it makes the value
    await token.save();
  };
  await seed();
  setInterval(() => { seed().catch((e) => console.error('seed failed', e)); }, 1000).unref();

  provider.on('server_error', (ctx, err) => console.error('server_error', err));

  const server = provider.listen(PORT, '127.0.0.1');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
