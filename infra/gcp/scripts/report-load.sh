#!/bin/bash
# Writes this instance's connection count to Cloud Monitoring as a gce_instance series.
#
# Why not the Ops Agent's copy: its Prometheus series are written against the prometheus_target
# resource, which the autoscaler reads only as one value for the whole group; scaling on connections
# per instance needs a series on gce_instance. Run every 30 s by odin-ws-report-load.timer.
#
# Needs: curl; roles/monitoring.metricWriter for the instance's service account.
set -euo pipefail
: "${ODIN_ADMIN_HOST:?}" "${ODIN_ADMIN_PORT:?}" "${LOAD_SERIES:?}" "${LOAD_METRIC:?}"
# Both URLs move only for this script's test.
metadata_url="${GCE_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}"
monitoring_url="${MONITORING_URL:-https://monitoring.googleapis.com/v3}"
metadata() { curl -fsS -H 'Metadata-Flavor: Google' "$metadata_url/$1"; }

metrics_url="http://${ODIN_ADMIN_HOST}:${ODIN_ADMIN_PORT}/metrics"
if ! metrics=$(curl -fsS --max-time 5 "$metrics_url"); then
  echo "report-load: cannot read $metrics_url (is odin-ws running?)" >&2
  exit 1
fi
# The series' samples, labelled or not, summed (a load balancer's workers are already summed).
value=$(awk -v series="$LOAD_SERIES" '$1 == series || index($1, series "{") == 1 { sum += $2; found = 1 } END { if (found) print sum }' <<< "$metrics")
if ! [[ "$value" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  echo "report-load: no numeric $LOAD_SERIES on ${ODIN_ADMIN_HOST}:${ODIN_ADMIN_PORT}/metrics (got '$value')" >&2
  exit 1
fi

project=$(metadata project/project-id)
zone=$(metadata instance/zone)
instance_id=$(metadata instance/id)
token=$(metadata instance/service-accounts/default/token | sed -E 's/.*"access_token" *: *"([^"]+)".*/\1/')
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

body=$(printf '{"timeSeries":[{"metric":{"type":"%s"},"resource":{"type":"gce_instance","labels":{"project_id":"%s","zone":"%s","instance_id":"%s"}},"metricKind":"GAUGE","valueType":"DOUBLE","points":[{"interval":{"endTime":"%s"},"value":{"doubleValue":%s}}]}]}' \
  "$LOAD_METRIC" "$project" "${zone##*/}" "$instance_id" "$now" "$value")
curl -fsS --max-time 10 -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data "$body" "$monitoring_url/projects/$project/timeSeries" >/dev/null
