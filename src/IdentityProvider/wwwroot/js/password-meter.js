// Strength meter for new-password fields: asks the server's password policy and shows its verdict. Neutral until
// something is typed. An error the server gave about the field (FieldErrorTagHelper's message under it, and its line in
// the summary at the top) goes away once the meter shows the new password is acceptable, and the confirmation's error
// once the two passwords are the same: what is left on screen is what is still wrong.
(() => {
    "use strict";
    const token = () => document.querySelector("input[name='__RequestVerificationToken']")?.value ?? "";

    // Takes away the server's error about a field: the message under it, its state and its line in the summary.
    function clearServerError(field) {
        const message = document.getElementById(`${field.id}-error`);
        if (!message) {
            return;
        }
        message.remove();
        field.removeAttribute("aria-invalid");
        const describedBy = (field.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && id !== message.id);
        if (describedBy.length > 0) {
            field.setAttribute("aria-describedby", describedBy.join(" "));
        } else {
            field.removeAttribute("aria-describedby");
        }
        const summary = document.getElementById("form-errors");
        for (const link of summary?.querySelectorAll(`a[href="#${CSS.escape(field.id)}"]`) ?? []) {
            link.closest("li")?.remove();
        }
        if (summary && !summary.querySelector("li")) {
            summary.remove();
        }
    }

    for (const input of document.querySelectorAll("input[data-password-meter]")) {
        const meter = document.getElementById(input.dataset.passwordMeter);
        const confirm = input.dataset.confirm ? document.getElementById(input.dataset.confirm) : null;
        const bar = meter.querySelector(".meter-bar");
        const label = meter.querySelector(".meter-label");
        const list = meter.querySelector(".meter-messages");
        const initial = label.textContent;
        let timer = 0;
        let sequence = 0;

        async function check() {
            const mine = ++sequence;
            if (input.value.length === 0) {
                bar.dataset.strength = "none";
                label.textContent = initial;
                list.replaceChildren();
                return;
            }
            try {
                const response = await fetch(meter.dataset.checkUrl, {
                    method: "POST",
                    headers: { "Content-Type": "application/json", "RequestVerificationToken": token() },
                    body: JSON.stringify({ password: input.value }),
                    credentials: "same-origin",
                });
                if (!response.ok || mine !== sequence) {
                    return;
                }
                const verdict = await response.json();
                bar.dataset.strength = String(verdict.strength);
                label.textContent = idpText("Password strength: {0}", verdict.label);
                list.replaceChildren(...verdict.messages.map((text) => {
                    const item = document.createElement("li");
                    item.textContent = text;
                    return item;
                }));
                if (verdict.acceptable) {
                    clearServerError(input);
                }
            } catch {
                // The meter is a help, not a gate: the server checks again when the form is sent.
            }
        }

        input.addEventListener("input", () => {
            clearTimeout(timer);
            timer = setTimeout(check, 250);
        });
        confirm?.addEventListener("input", () => {
            if (confirm.value.length > 0 && confirm.value === input.value) {
                clearServerError(confirm);
            }
        });
    }
})();
