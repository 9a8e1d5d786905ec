// The sign-in page's "Can't access your account?" link carries the user ID being typed, so the recovery page starts
// with it. Without this script the link carries the ID the page was shown with (after a failed attempt, the typed one).
(() => {
    "use strict";
    for (const link of document.querySelectorAll("a[data-user-id-from]")) {
        const field = document.getElementById(link.dataset.userIdFrom);
        if (!field) {
            continue;
        }

        const update = () => {
            const url = new URL(link.href, location.href);
            const id = field.value.trim();
            if (id) {
                url.searchParams.set("userName", id);
            } else {
                url.searchParams.delete("userName");
            }
            link.href = url.pathname + url.search;
        };
        field.addEventListener("input", update);
        update();
    }
})();
