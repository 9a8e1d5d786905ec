// Tells the server the browser's time zone (an IANA id such as "Europe/Paris"), so times show in the reader's zone.
// Without this script, times show in the organisation's zone, named.
(() => {
    "use strict";
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes(`idp.tz=${encodeURIComponent(zone)}`)) {
        const secure = location.protocol === "https:" ? "; Secure" : "";
        document.cookie = `idp.tz=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
    }
})();
