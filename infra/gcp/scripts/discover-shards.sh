#!/bin/bash
# Writes the RUNNING instances of the shard group as ws:// URLs, one per line, to $SHARDS_FILE.
# The load balancer re-reads the file by itself (--backend-urls-file); a shard that is still
# warming up or draining is listed, and the load balancer's health polling keeps clients off it.
#
# Only members of the shard group count: anyone who may edit a VM of the project could label it
# odin-ws-tier=shard and so plant a "shard" that receives clients' tokens, but only the group's
# manager puts instances in the group.
# Needs: gcloud (on GCE images), and for the instance's service account the odinWsShardDiscovery
# role (infra/gcp/main.tf): get/list on the shard group and get on its instances, nothing
# project-wide. So each member is read by its own link (a get) rather than by a filtered
# instances list, which would need compute.instances.list on the whole project.
set -euo pipefail
: "${SHARD_GROUP:?}" "${REGION:?}" "${SHARD_PORT:?}" "${SHARDS_FILE:?}" "${PROJECT:?}"

members=$(gcloud compute instance-groups managed list-instances "$SHARD_GROUP" --project "$PROJECT" --region "$REGION" \
  --filter="instanceStatus=RUNNING" --format='value(instance)')
# One instance by its full link (zone and name): the group's member and no namesake elsewhere.
# Eight reads at a time. A member that cannot be read (being deleted) is left out, its error in the
# journal; the load balancer applies a changed list only once it reads the same twice.
ips=$(echo -n "$members" | xargs -r -P 8 -I '{}' gcloud compute instances describe '{}' \
  --format='value(networkInterfaces[0].networkIP)' || true)

tmp=$(mktemp "${SHARDS_FILE}.XXXXXX")
{
  echo "# written by odin-ws-discover-shards at $(date -u +%FT%TZ)"
  for ip in $ips; do echo "ws://${ip}:${SHARD_PORT}/ws"; done
} > "$tmp"
chmod 644 "$tmp"
# Atomic: the load balancer never reads a half-written list. An empty answer (API error) keeps the old one.
if [ -n "$ips" ]; then mv "$tmp" "$SHARDS_FILE"; else rm -f "$tmp"; fi
