// The page's language for scripts, and the browser's time zone for the server.
(() => {
    "use strict";
    // idpText("Show password") is the text in the page's language (ScriptText.resx, in the #idp-texts block);
    // {0}, {1}… are replaced by the arguments. An unknown key is shown as it is (the English text).
    let texts = {};
    try {
        texts = JSON.parse(document.getElementById("idp-texts")?.textContent || "{}");
    } catch {
        texts = {};
    }
    window.idpText = (key, ...args) =>
        args.reduce((text, arg, i) => text.replaceAll(`{${i}}`, String(arg)), Object.hasOwn(texts, key) ? texts[key] : key);

    // Tells the server the browser's time zone (an IANA id such as "Europe/Paris"), so times show in the reader's
    // zone. Without this script, times show in the organisation's zone, named.
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes(`idp.tz=${encodeURIComponent(zone)}`)) {
        const secure = location.protocol === "https:" ? "; Secure" : "";
        document.cookie = `idp.tz=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
    }
})();
