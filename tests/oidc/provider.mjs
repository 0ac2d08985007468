// A real OpenID Connect provider for the tests: the certified `oidc-provider` package (npm), on 127.0.0.1.
//
//   node tests/oidc/provider.mjs PORT USERS_JSON CLIENT_ID CLIENT_SECRET
//
// Issuer http://127.0.0.1:PORT. One confidential client for the app (Authorization Code with PKCE, which this
// provider requires of it). Its sign-in is the package's own development login page (any password: the page, the
// redirects and the tokens are real; the accounts are not). Every claim of a user is read from USERS_JSON at
// each sign-in, so a test changes a user's roles by rewriting that file: {"login": {"roles": [...], ...}}.
// The app's redirect URI is http://127.0.0.1:<any port>/beheer/oidc/terug: the client is registered as a
// native application, for which the provider accepts any port of a loopback address (RFC 8252, 7.3), since
// the app under test is served on a port chosen when the test runs.
import { readFileSync } from 'node:fs';
import { generateKeyPair, exportJWK } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';

const [port, usersFile, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

function users() {
  return JSON.parse(readFileSync(usersFile, 'utf8'));
}

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

// The consent page is left out for this first-party client (see loadExistingGrant); the provider would still ask
// a native client every time.
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

const provider = new Provider(issuer, {
  interactions: { policy },
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/beheer/oidc/terug', 'http://localhost/beheer/oidc/terug'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['only-for-the-tests'] },
  // The roles in their own scope, as a Keycloak client scope would carry them; profile and e-mail as usual.
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    roles: ['roles'],
  },
  scopes: ['openid', 'profile', 'email', 'roles'],
  // The claims in the ID token itself (as Microsoft Entra ID puts its app roles there), not only at /userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const user = users()[id];
    if (!user) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        const now = users()[id] || {};
        return { sub: id, preferred_username: id, ...now };
      },
    };
  },
  // A first-party client: the provider grants it what it asks without a consent page (as an administrator's
  // consent for the whole organisation does at Entra ID).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) {
        return found;
      }
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email roles');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
server.on('error', (error) => {
  console.error(error.code === 'EADDRINUSE' ? 'Address already in use' : error.message);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
