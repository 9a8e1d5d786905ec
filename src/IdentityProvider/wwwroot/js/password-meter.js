// Strength meter for new-password fields: asks the server's password policy and shows its verdict.
(() => {
    "use strict";
    const token = () => document.querySelector("input[name='__RequestVerificationToken']")?.value ?? "";

    for (const input of document.querySelectorAll("input[data-password-meter]")) {
        const meter = document.getElementById(input.dataset.passwordMeter);
        const bar = meter.querySelector(".meter-bar");
        const label = meter.querySelector(".meter-label");
        const list = meter.querySelector(".meter-messages");
        const initial = label.textContent;
        let timer = 0;
        let sequence = 0;

        async function check() {
            const mine = ++sequence;
            if (input.value.length === 0) {
                bar.dataset.strength = "0";
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
                label.textContent = `Password strength: ${verdict.label}`;
                list.replaceChildren(...verdict.messages.map((text) => {
                    const item = document.createElement("li");
                    item.textContent = text;
                    return item;
                }));
            } catch {
                // The meter is a help, not a gate: the server checks again when the form is sent.
            }
        }

        input.addEventListener("input", () => {
            clearTimeout(timer);
            timer = setTimeout(check, 250);
        });
    }
})();
