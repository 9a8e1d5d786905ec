// The token benchmark's peer: oidc-provider with one confidential client that may use client_credentials, JWT access
// tokens for one API signed RS256 (an RSA 2048 key) or ES256 (P-256), and an in-memory store (nothing persisted).
// Started by the benchmark:
//   PORT=5000 CLIENT_ID=bench CLIENT_SECRET=... SCOPE=api RESOURCE=urn:bench:api ALG=RS256 node server.mjs
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.PORT ?? 5000);
const scope = process.env.SCOPE ?? "api";
const resource = process.env.RESOURCE ?? "urn:bench:api";
const alg = process.env.ALG ?? "RS256";
const { privateKey } = alg === "ES256"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), use: "sig", alg, kid: "bench" };

const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
        client_id: process.env.CLIENT_ID ?? "bench",
        client_secret: process.env.CLIENT_SECRET,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: alg,
        scope,
    }],
    jwks: { keys: [signingKey] },
    scopes: [scope],
    // One hour, as this server's default access token lifetime.
    ttl: { ClientCredentials: 3600 },
    features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        resourceIndicators: {
            enabled: true,
            defaultResource: () => resource,
            useGrantedResource: () => true,
            getResourceServerInfo: () => ({
                scope,
                audience: resource,
                accessTokenFormat: "jwt",
                jwt: { sign: { alg } },
            }),
        },
    },
});

provider.listen(port, "127.0.0.1", () => console.log(`listening on ${port}`));
