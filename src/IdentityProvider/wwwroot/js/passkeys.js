// Passkeys (WebAuthn) on any page that has one of these elements:
//   #passkey-register        the security-info page's "Add a passkey" (form #passkey-register-form, name #passkey-name)
//   #passkey-sign-in         the sign-in page's "Sign in with a passkey" (form #passkey-sign-in-form)
//   #passkey-second-factor   the second-factor page's "Use your passkey" (data-return-url; a RememberBrowser checkbox)
//   #passkey-recovery        the reset journey's "Use a passkey" (data-options-url, data-verify-url)
// Each asks the server for options (JSON with base64url fields), lets the browser create or get the credential, and
// posts the answer as JSON with the form's anti-forgery token. The server answers { redirect } or a problem whose
// title is shown in the form's alert.
(() => {
    "use strict";
    // Pages may include this script besides the layout: wire the buttons once.
    if (window.passkeysWired) {
        return;
    }
    window.passkeysWired = true;

    const supported = typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

    const toBytes = (base64url) => {
        const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
        const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
        const binary = atob(padded);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) {
            bytes[i] = binary.charCodeAt(i);
        }
        return bytes.buffer;
    };

    const toBase64Url = (buffer) => {
        if (!buffer) {
            return null;
        }
        const bytes = new Uint8Array(buffer);
        let binary = "";
        for (const byte of bytes) {
            binary += String.fromCharCode(byte);
        }
        return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    };

    const tokenOf = (form) => form?.querySelector("input[name='__RequestVerificationToken']")?.value
        ?? document.querySelector("input[name='__RequestVerificationToken']")?.value ?? "";

    const post = async (url, form, body) => {
        const response = await fetch(url, {
            method: "POST",
            headers: { "Content-Type": "application/json", "RequestVerificationToken": tokenOf(form) },
            body: JSON.stringify(body ?? {}),
            credentials: "same-origin",
        });
        let answer = {};
        try {
            answer = await response.json();
        } catch {
            answer = {};
        }
        if (answer.redirect) {
            window.location.assign(answer.redirect);
            return null;
        }
        if (!response.ok) {
            throw new Error(answer.title || idpText("Something went wrong. Reload the page and try again."));
        }
        return answer;
    };

    const creationOptions = (options) => ({
        ...options,
        challenge: toBytes(options.challenge),
        user: { ...options.user, id: toBytes(options.user.id) },
        excludeCredentials: (options.excludeCredentials ?? []).map((c) => ({ ...c, id: toBytes(c.id) })),
    });

    const requestOptions = (options) => {
        const publicKey = { ...options, challenge: toBytes(options.challenge) };
        publicKey.allowCredentials = (options.allowCredentials ?? []).map((c) => ({ ...c, id: toBytes(c.id) }));
        if (!options.extensions) {
            delete publicKey.extensions;
        }
        if (!options.hints || options.hints.length === 0) {
            delete publicKey.hints;
        }
        return publicKey;
    };

    const attestationJson = (credential) => ({
        id: credential.id,
        rawId: toBase64Url(credential.rawId),
        type: credential.type,
        response: {
            attestationObject: toBase64Url(credential.response.attestationObject),
            clientDataJSON: toBase64Url(credential.response.clientDataJSON),
            transports: typeof credential.response.getTransports === "function" ? credential.response.getTransports() : [],
        },
        clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    });

    const assertionJson = (credential) => ({
        id: credential.id,
        rawId: toBase64Url(credential.rawId),
        type: credential.type,
        response: {
            authenticatorData: toBase64Url(credential.response.authenticatorData),
            clientDataJSON: toBase64Url(credential.response.clientDataJSON),
            signature: toBase64Url(credential.response.signature),
            userHandle: toBase64Url(credential.response.userHandle),
        },
        clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    });

    // What the browser says when the user cancels or the authenticator refuses, in plain words.
    const describe = (error) => {
        if (error instanceof DOMException) {
            if (error.name === "NotAllowedError") {
                return idpText("The passkey request was cancelled or timed out. Try again.");
            }
            if (error.name === "InvalidStateError") {
                return idpText("This device already has a passkey for your account.");
            }
            return idpText("Your browser could not use a passkey. Try again, or use another device.");
        }
        return error?.message || idpText("Something went wrong. Try again.");
    };

    // The buttons are rendered disabled, so that a click before this script has wired them is not lost in silence;
    // each is enabled here once it works (the browser supports passkeys).
    const wire = (button, errorBox, run) => {
        if (!button) {
            return;
        }
        button.disabled = !supported;
        button.addEventListener("click", async () => {
            if (button.disabled) {
                return;
            }
            button.disabled = true;
            if (errorBox) {
                errorBox.hidden = true;
                errorBox.textContent = "";
            }
            try {
                await run();
            } catch (error) {
                if (errorBox) {
                    errorBox.textContent = describe(error);
                    errorBox.hidden = false;
                    errorBox.focus?.();
                }
            } finally {
                button.disabled = !supported;
            }
        });
    };

    // Assertion ceremony shared by sign-in, second factor and the reset journey.
    const assert = async (form, optionsUrl, verifyUrl, extra) => {
        const options = await post(optionsUrl, form, {});
        if (!options) {
            return;
        }
        const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
        await post(verifyUrl, form, { ...extra, credential: assertionJson(credential) });
    };

    // Registration on the security-info page. The typed name survives a detour to enter the password again (the
    // server answers { redirect } and brings the user back to this page).
    const registerForm = document.getElementById("passkey-register-form");
    if (registerForm) {
        const button = document.getElementById("passkey-register");
        const nameField = document.getElementById("passkey-name");
        const keptName = sessionStorage.getItem("idp.passkey-name");
        if (keptName !== null) {
            sessionStorage.removeItem("idp.passkey-name");
            if (!nameField.value) {
                nameField.value = keptName;
            }
        }
        if (!supported) {
            document.getElementById("passkey-unsupported").hidden = false;
            button.disabled = true;
        }
        wire(button, document.getElementById("passkey-register-error"), async () => {
            const name = nameField.value.trim();
            sessionStorage.setItem("idp.passkey-name", name);
            const options = await post(registerForm.dataset.optionsUrl, registerForm, { name });
            if (!options) {
                return;
            }
            const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
            await post(registerForm.dataset.registerUrl, registerForm, { credential: attestationJson(credential) });
            sessionStorage.removeItem("idp.passkey-name");
        });
    }

    // Passwordless sign-in: shown only where the browser supports passkeys.
    const signInForm = document.getElementById("passkey-sign-in-form");
    if (signInForm && supported) {
        signInForm.hidden = false;
        wire(document.getElementById("passkey-sign-in"), document.getElementById("passkey-sign-in-error"),
            () => assert(signInForm, signInForm.dataset.optionsUrl, signInForm.dataset.signInUrl, { returnUrl: signInForm.dataset.returnUrl ?? "/" }));
    }

    // A passkey as the second factor.
    const secondFactor = document.getElementById("passkey-second-factor");
    if (secondFactor) {
        const form = secondFactor.closest("form");
        let errorBox = document.getElementById("passkey-error") ?? document.getElementById("passkey-second-factor-error");
        if (!errorBox) {
            errorBox = document.createElement("p");
            errorBox.id = "passkey-second-factor-error";
            errorBox.className = "alert alert-error";
            errorBox.setAttribute("role", "alert");
            errorBox.hidden = true;
            secondFactor.insertAdjacentElement("beforebegin", errorBox);
        }
        if (!supported) {
            secondFactor.disabled = true;
            errorBox.textContent = idpText("This browser can't use passkeys. Choose another way to verify.");
            errorBox.hidden = false;
        }
        wire(secondFactor, errorBox, () => assert(form, "/passkeys/second-factor/options", "/passkeys/second-factor", {
            returnUrl: secondFactor.dataset.returnUrl ?? "/",
            rememberBrowser: !!form?.querySelector("input[name='RememberBrowser']")?.checked,
        }));
    }

    // A passkey as a gate of the password reset journey.
    const recovery = document.getElementById("passkey-recovery");
    if (recovery) {
        const form = recovery.closest("form");
        const errorBox = document.getElementById("passkey-recovery-error");
        if (!supported && errorBox) {
            recovery.disabled = true;
            errorBox.textContent = idpText("This browser can't use passkeys. Use a different method.");
            errorBox.hidden = false;
        }
        wire(recovery, errorBox, () => assert(form, recovery.dataset.optionsUrl, recovery.dataset.verifyUrl, {}));
    }
})();
