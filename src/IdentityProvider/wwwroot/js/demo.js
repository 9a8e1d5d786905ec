// The demo relying party: authorization code flow with PKCE (S256) from the browser, as a public client.
(() => {
    "use strict";
    const root = document.getElementById("demo");
    const redirectUri = `${location.origin}/demo`;
    const scope = root.dataset.scope;
    const $ = (id) => document.getElementById(id);

    const base64Url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
        .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const random = (length) => base64Url(crypto.getRandomValues(new Uint8Array(length)));

    function showError(message) {
        const box = $("demo-error");
        box.textContent = message;
        box.hidden = false;
    }

    function decodeJwt(token) {
        const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
        return JSON.parse(decodeURIComponent(escape(atob(payload))));
    }

    async function signIn() {
        const clientId = $("demo-client").value;
        const verifier = random(32);
        const challenge = base64Url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
        const state = random(16);
        sessionStorage.setItem("demo.pkce", JSON.stringify({ verifier, state, clientId }));
        const url = new URL("/connect/authorize", location.origin);
        url.search = new URLSearchParams({
            client_id: clientId, response_type: "code", redirect_uri: redirectUri, scope,
            state, code_challenge: challenge, code_challenge_method: "S256",
            // The app asks for the language its own page is in (OpenID Connect ui_locales).
            ui_locales: document.documentElement.lang || "en",
        }).toString();
        location.assign(url);
    }

    async function token(parameters) {
        const response = await fetch("/connect/token", {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(parameters),
        });
        const body = await response.json();
        if (!response.ok) {
            throw new Error(`${body.error}: ${body.error_description}`);
        }
        return body;
    }

    async function show(tokens, clientId) {
        sessionStorage.setItem("demo.tokens", JSON.stringify({ ...tokens, clientId }));
        const userinfo = await fetch("/connect/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
        if (!userinfo.ok) {
            throw new Error(idpText("The userinfo endpoint answered {0}.", userinfo.status));
        }
        const claims = await userinfo.json();
        $("demo-greeting").textContent = idpText("Signed in as {0}", claims.name ?? claims.sub);
        $("demo-userinfo").textContent = JSON.stringify(claims, null, 2);
        $("demo-id-token").textContent = JSON.stringify(decodeJwt(tokens.id_token), null, 2);
        $("demo-signed-out").hidden = true;
        $("demo-signed-in").hidden = false;
    }

    async function completeSignIn(params) {
        const saved = JSON.parse(sessionStorage.getItem("demo.pkce") ?? "null");
        sessionStorage.removeItem("demo.pkce");
        history.replaceState(null, "", redirectUri);
        if (params.has("error")) {
            throw new Error(`${params.get("error")}: ${params.get("error_description") ?? ""}`);
        }
        if (!saved || saved.state !== params.get("state")) {
            throw new Error(idpText("The sign-in response does not match a sign-in this page started."));
        }
        const tokens = await token({
            grant_type: "authorization_code", client_id: saved.clientId, code: params.get("code"),
            redirect_uri: redirectUri, code_verifier: saved.verifier,
        });
        await show(tokens, saved.clientId);
    }

    async function refresh() {
        const saved = JSON.parse(sessionStorage.getItem("demo.tokens"));
        const tokens = await token({ grant_type: "refresh_token", client_id: saved.clientId, refresh_token: saved.refresh_token });
        await show(tokens, saved.clientId);
    }

    function signOut() {
        const saved = JSON.parse(sessionStorage.getItem("demo.tokens") ?? "null");
        sessionStorage.removeItem("demo.tokens");
        const url = new URL("/connect/endsession", location.origin);
        const query = { post_logout_redirect_uri: redirectUri };
        if (saved) {
            query.id_token_hint = saved.id_token;
            query.client_id = saved.clientId;
        }
        url.search = new URLSearchParams(query).toString();
        location.assign(url);
    }

    const run = (action) => () => action().catch((error) => showError(error.message));
    $("demo-sign-in").addEventListener("click", run(signIn));
    $("demo-refresh").addEventListener("click", run(refresh));
    $("demo-sign-out").addEventListener("click", signOut);

    const params = new URLSearchParams(location.search);
    if (params.has("code") || params.has("error")) {
        run(() => completeSignIn(params))();
    } else if (sessionStorage.getItem("demo.tokens")) {
        const saved = JSON.parse(sessionStorage.getItem("demo.tokens"));
        run(() => show(saved, saved.clientId))();
    }
})();
