#!/bin/bash
# odin-ws instance start-up, for both tiers. Runs on every boot (idempotent), as root.
#
# It needs nothing outside Google's own services (the instances have no external address): the
# release tarball carries its Node runtime, systemd units and helper scripts, and comes from Cloud
# Storage; settings come from instance metadata, the Kafka password from Secret Manager. Private
# Google Access on the subnetwork reaches those APIs. The one exception is the Ops Agent's package
# repository (through Cloud NAT, when enabled); without it boot goes on and the agent is skipped.
#
# Metadata attributes (set by infra/gcp/modules/tier):
#   odin-tier                    shard | loadbalancer
#   odin-release-url             gs:// URL of the release tarball (scripts/package-release.sh)
#   odin-release-sha256          its sha256: any other tarball is refused
#   odin-release-signature-url   gs:// URL of its detached signature (ssh-keygen -Y sign)
#   odin-release-signing-key     the OpenSSH public key that must have made that signature
#   odin-env                     ODIN_* settings, one NAME=value per line
#   odin-admin-port              the private ops port (/metrics, detailed /health)
#   odin-load-metric             Cloud Monitoring metric report-load.sh writes (connections)
#   odin-load-series             the /metrics series it reads
#   odin-kafka-password-secret   Secret Manager secret id of the SASL password, or empty
#   odin-discover-env            load balancer only: settings of discover-shards.sh
set -euo pipefail

# GCE_METADATA_URL only moves the metadata server for this script's own test (a scratch root).
metadata_url="${GCE_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}"
metadata() { curl -fsS -H 'Metadata-Flavor: Google' "$metadata_url/$1"; }
attribute() { metadata "instance/attributes/$1"; }
log() { echo "odin-ws start-up: $*"; }

tier="$(attribute odin-tier)"
case "$tier" in
  shard | loadbalancer) ;;
  *) log "unknown odin-tier '$tier'"; exit 1 ;;
esac
instance_name="$(metadata instance/name)"
internal_ip="$(metadata instance/network-interfaces/0/ip)"
admin_port="$(attribute odin-admin-port)"

id odin-ws >/dev/null 2>&1 || useradd --system --home-dir /opt/odin-ws --shell /usr/sbin/nologin odin-ws

# The release, unpacked beside the running one and swapped in whole: a failed download or a
# truncated tarball leaves the previous release in place.
mkdir -p /etc/odin-ws
gcloud storage cp "$(attribute odin-release-url)" /tmp/odin-ws.tgz
gcloud storage cp "$(attribute odin-release-signature-url)" /tmp/odin-ws.tgz.sig
# Whoever can write to the bucket must not decide what runs as this service: only the tarball whose
# hash the deployment names, signed by the key the deployment names, is unpacked. The signing key
# lives with whoever releases, not in the bucket, so replacing both tarball and signature is not enough.
refuse_release() {
  log "refusing the release: $*"
  rm -f /tmp/odin-ws.tgz /tmp/odin-ws.tgz.sig /tmp/odin-ws.allowed-signers
  exit 1
}
expected_sha256="$(attribute odin-release-sha256)"
actual_sha256="$(sha256sum /tmp/odin-ws.tgz | cut -d' ' -f1)"
[ "$actual_sha256" = "$expected_sha256" ] || refuse_release "its sha256 is $actual_sha256, the deployment names $expected_sha256"
log "release sha256 verified: $actual_sha256"
echo "odin-ws-release $(attribute odin-release-signing-key)" > /tmp/odin-ws.allowed-signers
ssh-keygen -Y verify -f /tmp/odin-ws.allowed-signers -I odin-ws-release -n odin-ws-release -s /tmp/odin-ws.tgz.sig < /tmp/odin-ws.tgz >/dev/null 2>&1 ||
  refuse_release "its signature does not verify against the signing key the deployment names"
log "release signature verified"
rm -f /tmp/odin-ws.tgz.sig /tmp/odin-ws.allowed-signers
rm -rf /opt/odin-ws.new
mkdir -p /opt/odin-ws.new
tar -xzf /tmp/odin-ws.tgz -C /opt/odin-ws.new --strip-components=1
rm -f /tmp/odin-ws.tgz
node=/opt/odin-ws.new/runtime/bin/node
log "release runtime: Node $("$node" --version)"
rm -rf /opt/odin-ws
mv /opt/odin-ws.new /opt/odin-ws
chown -R root:root /opt/odin-ws

# Settings. Each shard is named after its instance, so the LB's per-shard series, the alerts and the
# dashboard tell shards apart. The ops surface listens on the internal address only.
{
  attribute odin-env
  echo
  echo "ODIN_ADMIN_HOST=$internal_ip"
  if [ "$tier" = shard ]; then echo "ODIN_SHARD_ID=$instance_name"; fi
} | grep -v '^$' > "/etc/odin-ws/$tier.env"

# The Kafka password: from Secret Manager into a file only the service's group reads. It is never
# in metadata, the environment or a command line.
password_secret="$(attribute odin-kafka-password-secret || true)"
if [ -n "$password_secret" ]; then
  password_file=/etc/odin-ws/kafka-sasl-password
  (
    umask 077
    gcloud secrets versions access latest --secret="$password_secret" --out-file="$password_file"
  )
  chgrp odin-ws "$password_file"
  chmod 640 "$password_file"
fi

# The connections series the autoscaler reads, written as a gce_instance series (report-load.sh).
cat > /etc/odin-ws/report-load.env <<ENV
ODIN_ADMIN_HOST=$internal_ip
ODIN_ADMIN_PORT=$admin_port
LOAD_SERIES=$(attribute odin-load-series)
LOAD_METRIC=$(attribute odin-load-metric)
ENV

# Ops Agent: scrapes /metrics on the ops port into Cloud Monitoring (prometheus.googleapis.com/*),
# for dashboards and alerts, and ships the service's JSON log lines from the journal to Cloud
# Logging, their `severity` as the entry's severity. Optional: without a route to its repository,
# boot goes on. Installed from Google's package repository by apt, which checks each package's
# signature against the repository's key: no downloaded script runs as root.
install_ops_agent() {
  local keyring=/usr/share/keyrings/google-cloud-ops-agent.gpg codename
  codename="$(sed -n "s/^VERSION_CODENAME=//p" /etc/os-release)"
  curl -fsS --max-time 30 -o "$keyring.new" https://packages.cloud.google.com/apt/doc/apt-key.gpg || return 1
  mv "$keyring.new" "$keyring"
  echo "deb [signed-by=$keyring] https://packages.cloud.google.com/apt google-cloud-ops-agent-$codename-all main" \
    > /etc/apt/sources.list.d/google-cloud-ops-agent.list
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq google-cloud-ops-agent
}
if ! dpkg -s google-cloud-ops-agent >/dev/null 2>&1; then
  if ! install_ops_agent >/dev/null 2>&1; then
    log "warning: the Ops Agent could not be installed (no Cloud NAT?); metrics stay on the ops port only"
  fi
fi
if [ -d /etc/google-cloud-ops-agent ]; then
  cat > /etc/google-cloud-ops-agent/config.yaml <<OPS
metrics:
  receivers:
    prometheus:
      type: prometheus
      config:
        scrape_configs:
          - job_name: odin-ws-$tier
            scrape_interval: 15s
            static_configs:
              - targets: ['$internal_ip:$admin_port']
  service:
    pipelines:
      prometheus:
        receivers: [prometheus]
logging:
  receivers:
    journal:
      type: systemd_journald
  processors:
    odin_json:
      type: parse_json
      field: MESSAGE
    odin_severity:
      type: modify_fields
      fields:
        severity:
          move_from: jsonPayload.severity
  service:
    pipelines:
      odin_ws:
        receivers: [journal]
        processors: [odin_json, odin_severity]
OPS
  systemctl restart google-cloud-ops-agent || log "warning: the Ops Agent did not restart"
fi

units=(odin-ws-report-load.service odin-ws-report-load.timer)
if [ "$tier" = loadbalancer ]; then
  { attribute odin-discover-env; echo; } > /etc/odin-ws/discover.env
  touch /etc/odin-ws/shards.txt
  units+=(odin-ws-discover-shards.service odin-ws-discover-shards.timer odin-ws-loadbalancer.service)
  enable=(odin-ws-discover-shards.timer odin-ws-report-load.timer odin-ws-loadbalancer.service)
else
  units+=(odin-ws-shard.service)
  enable=(odin-ws-report-load.timer odin-ws-shard.service)
fi
for unit in "${units[@]}"; do cp "/opt/odin-ws/infra/systemd/$unit" /etc/systemd/system/; done
systemctl daemon-reload
if [ "$tier" = loadbalancer ]; then
  # The first shard list before the LB starts (the timer keeps it current); an API error keeps the empty one.
  systemctl start odin-ws-discover-shards.service || log "warning: no shard list yet"
fi
systemctl enable --now "${enable[@]}"
log "started ${enable[*]}"
