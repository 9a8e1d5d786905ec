// "Show password" after every password field: a real button (keyboard and screen readers reach it) whose pressed state
// says whether the password is shown. Forms never need this script; without it there is simply no button.
(() => {
    "use strict";
    let count = 0;
    for (const input of document.querySelectorAll("input[type='password']")) {
        if (!input.id) {
            input.id = `password-field-${++count}`;
        }

        const button = document.createElement("button");
        button.type = "button";
        button.className = "show-password";
        button.textContent = window.idpText ? window.idpText("Show password") : "Show password";
        button.setAttribute("aria-pressed", "false");
        button.setAttribute("aria-controls", input.id);

        const show = (visible) => {
            input.type = visible ? "text" : "password";
            button.setAttribute("aria-pressed", String(visible));
        };
        button.addEventListener("click", () => show(input.type === "password"));
        // Sent as a password field again, so it is not left on screen and browsers still offer to save it.
        input.form?.addEventListener("submit", () => show(false));
        input.insertAdjacentElement("afterend", button);
    }
})();
