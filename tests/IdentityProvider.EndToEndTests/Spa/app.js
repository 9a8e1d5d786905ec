// A single-page app on its own origin: oidc-client-ts (code flow with PKCE) against the identity provider, whose
// address and client id the test host serves as /settings.json. Every call to the identity provider's token,
// userinfo, revocation, discovery and key endpoints is a cross-origin fetch, allowed only by its CORS answer.
"use strict";

(async () => {
  const status = document.getElementById("status");
  const details = document.getElementById("details");
  const settings = await (await fetch("/settings.json")).json();
  const manager = new oidc.UserManager({
    authority: settings.authority,
    client_id: settings.clientId,
    redirect_uri: location.origin + "/callback.html",
    post_logout_redirect_uri: location.origin + "/index.html",
    response_type: "code",
    scope: "openid profile offline_access",
    loadUserInfo: true,
    automaticSilentRenew: false,
    revokeTokensOnSignout: true,
    userStore: new oidc.WebStorageStateStore({ store: window.localStorage }),
  });

  const show = (user, note) => {
    status.textContent = user ? `Signed in as ${user.profile.name}` : "Signed out";
    details.textContent = note ?? "";
  };

  document.getElementById("sign-in").addEventListener("click", () => manager.signinRedirect());
  document.getElementById("refresh").addEventListener("click", async () => {
    const before = await manager.getUser();
    try {
      const after = await manager.signinSilent();
      show(after, after.access_token !== before.access_token && after.refresh_token ? "Tokens refreshed" : "Tokens unchanged");
    } catch (error) {
      show(before, "Refresh failed: " + error.message);
    }
  });
  document.getElementById("sign-out").addEventListener("click", () => manager.signoutRedirect());

  try {
    if (location.pathname === "/callback.html") {
      const user = await manager.signinRedirectCallback();
      history.replaceState(null, "", "/index.html");
      show(user, `Given name from userinfo: ${user.profile.given_name}`);
      return;
    }

    show(await manager.getUser());
  } catch (error) {
    status.textContent = "Error: " + error.message;
  }
})();
