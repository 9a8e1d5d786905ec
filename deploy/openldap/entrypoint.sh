#!/bin/sh
# Loads demo.ldif into an empty database on the first start, then runs slapd in the foreground as the openldap user.
set -eu
data=${LDAP_DATA:-/var/lib/ldap}
config=${LDAP_CONFIG:-/etc/ldap/slapd.conf}
if [ ! -e "$data/data.mdb" ]; then
    slapadd -q -f "$config" -l "$(dirname "$config")/demo.ldif"
fi
chown -R openldap:openldap "$data"
exec slapd -d "${LDAP_LOG_LEVEL:-stats}" -f "$config" -h "${LDAP_URLS:-ldap:///}" -u openldap -g openldap
