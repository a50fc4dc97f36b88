#!/usr/bin/env node
// A real OpenID provider (the oidc-provider package) on loopback for the end-to-end tests: one client (Lifeboat) and
// a few accounts with a groups claim. Its development login form takes the account id as login, any password.
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 3190);
const issuer = `http://127.0.0.1:${port}`;
const redirect = process.env.OIDC_REDIRECT_URI ?? "http://127.0.0.1:3100/api/auth/callback/oidc";

const accounts = {
  olivia: {
    sub: "olivia",
    email: "olivia@example.com",
    email_verified: true,
    name: "Olivia Ops",
    groups: ["platform-engineers", "everyone"],
  },
  sam: { sub: "sam", email: "sam@example.com", email_verified: true, name: "Sam Nogroups", groups: [] },
  // An address the provider has not verified: it must not take over the local account with that address.
  una: { sub: "una", email: "una@example.com", email_verified: false, name: "Una Unverified", groups: [] },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "lifeboat",
      client_secret: "lifeboat-e2e-client-secret",
      redirect_uris: [redirect],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  scopes: ["openid", "email", "profile", "groups"],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
  conformIdTokenClaims: false, // put the scopes' claims in the ID token, which next-auth reads
  findAccount: async (_ctx, id) => (accounts[id] ? { accountId: id, claims: async () => accounts[id] } : undefined),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["lifeboat-e2e-oidc-cookie-key"] },
  ttl: { Session: 600, Interaction: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
});
provider.proxy = false;
const server = provider.listen(port, "127.0.0.1", () => console.log(`oidc provider ready at ${issuer}`));
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => server.close(() => process.exit(0)));
