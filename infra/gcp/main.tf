locals {
  # Its own network unless one is given: the default network's allow-internal rule would let any VM
  # of the project reach shards and ops ports, past the load balancer's admission and checks.
  network    = var.network == "" ? google_compute_network.odin[0].self_link : var.network
  shard_port = 3002
  # Load balancers find shards by membership of this group (discover-shards.sh and its IAM grant).
  shard_group = module.shard.group_name
  lb_port     = 3001
  # The private ops surfaces (/metrics, detailed /health): on each instance's internal address only,
  # never behind the external load balancer, which reaches the public ports alone.
  shard_admin_port = 9102
  lb_admin_port    = 9101
  # Google front ends and health checkers reach instances from these ranges.
  google_health_check_ranges = ["35.191.0.0/16", "130.211.0.0/22"]

  allowed_origins = length(var.allowed_origins) > 0 ? var.allowed_origins : (var.domain == "" ? [] : ["https://${var.domain}"])
  odin_env_common = merge({
    ODIN_LOG_LEVEL     = "info"
    ODIN_DRAIN_TIMEOUT = tostring(var.drain_timeout_s)
    }, var.auth == null ? {} : merge({
      ODIN_AUTH_JWKS_URL = var.auth.jwks_url
      ODIN_AUTH_AUDIENCE = var.auth.audience
      # Google's load balancer logs request URLs: a token there would be in the logs.
      ODIN_AUTH_QUERY_TOKEN = "refuse"
      }, var.auth.issuer == "" ? {} : {
      ODIN_AUTH_ISSUER = var.auth.issuer
    }), length(local.allowed_origins) == 0 ? {} : {
    ODIN_ALLOWED_ORIGINS = join(",", local.allowed_origins)
  })
  shard_env = merge(local.odin_env_common, {
    ODIN_HOST            = "0.0.0.0"
    ODIN_PORT            = tostring(local.shard_port)
    ODIN_KAFKA_BROKERS   = join(",", var.kafka_brokers)
    ODIN_TOPICS          = join(",", var.topics)
    ODIN_CHANNEL_MAP     = join(",", [for topic, event in var.channel_map : "${topic}=${event}"])
    ODIN_MAX_CONNECTIONS = tostring(var.shard_max_connections)
    ODIN_ADMIN_PORT      = tostring(local.shard_admin_port)
    ODIN_KAFKA_SSL       = var.kafka_ssl ? "on" : "off"
    }, var.kafka_sasl == null ? {} : {
    ODIN_KAFKA_SASL_MECHANISM = var.kafka_sasl.mechanism
    ODIN_KAFKA_SASL_USERNAME  = var.kafka_sasl.username
    }, local.kafka_password_secret == "" ? {} : {
    # The start-up script writes this file from Secret Manager; the secret itself is never in metadata.
    ODIN_KAFKA_SASL_PASSWORD_FILE = local.kafka_password_file
  })
  kafka_password_secret = var.kafka_sasl == null ? "" : var.kafka_sasl.password_secret
  kafka_password_file   = "/etc/odin-ws/kafka-sasl-password"
  lb_env = merge(local.odin_env_common, {
    ODIN_HOST              = "0.0.0.0"
    ODIN_LB_PORT           = tostring(local.lb_port)
    ODIN_LB_WORKERS        = tostring(var.lb_workers)
    ODIN_BACKEND_URLS_FILE = "/etc/odin-ws/shards.txt"
    ODIN_ADMIN_PORT        = tostring(local.lb_admin_port)
    # Shards' detailed /health is on their ops surface.
    ODIN_SHARD_HEALTH_PORT = tostring(local.shard_admin_port)
    # Google's front ends append "<client>, <load balancer address>" to X-Forwarded-For: trusting
    # them (and that address) makes per-IP admission count real clients, not front ends.
    ODIN_TRUSTED_PROXIES = join(",", concat(local.google_health_check_ranges, [google_compute_global_address.lb.address]))
  })
  discover_env = {
    PROJECT     = var.project
    REGION      = var.region
    SHARD_GROUP = local.shard_group
    SHARD_PORT  = tostring(local.shard_port)
    SHARDS_FILE = "/etc/odin-ws/shards.txt"
  }
  # The bucket of the release: the tiers may read it, and no other bucket of the project.
  release_bucket = regex("^gs://([^/]+)/", var.release_url)[0]
}

# One service account per tier: the LB's may list instances (shard discovery); both may write
# metrics and logs (Ops Agent).
resource "google_service_account" "shard" {
  account_id   = "odin-ws-shard"
  display_name = "odin-ws shard tier"
}

resource "google_service_account" "lb" {
  account_id   = "odin-ws-lb"
  display_name = "odin-ws load-balancer tier"
}

# Shard discovery (discover-shards.sh) makes two calls, and each grant below is what one of them
# needs, nothing else: not roles/compute.viewer, which reads every VM, disk, network and firewall of
# the project.
# 1. `instance-groups managed list-instances` (listManagedInstances): gcloud's reference names
#    compute.instanceGroupManagers.list as its permission. A list is authorized against the region,
#    not the group, so a resource.name condition on the group can never match it: the earlier
#    conditional grant of it had no effect. Granted unconditionally, alone in its role: it shows the
#    project's managed groups and their members' names, not their addresses or metadata.
# 2. `instances describe` of each member, by its link: compute.instances.get, conditioned to
#    instances named after the shard group (<base name>-<suffix>): another VM's address and
#    metadata stay unreadable. (compute.instanceGroupManagers.get, which discovery never calls, is
#    no longer granted.)
resource "google_project_iam_custom_role" "shard_group_listing" {
  project     = var.project
  role_id     = "odinWsShardGroupListing"
  title       = "odin-ws shard discovery: group members"
  description = "Lists the members of managed instance groups (names only)"
  permissions = ["compute.instanceGroupManagers.list"]
}

resource "google_project_iam_custom_role" "shard_discovery" {
  project     = var.project
  role_id     = "odinWsShardDiscovery"
  title       = "odin-ws shard discovery: member addresses"
  description = "Reads the address of an instance of the odin-ws shard group"
  permissions = ["compute.instances.get"]
}

resource "google_project_iam_member" "lb_shard_group_listing" {
  project = var.project
  role    = "projects/${var.project}/roles/${google_project_iam_custom_role.shard_group_listing.role_id}"
  member  = "serviceAccount:${google_service_account.lb.email}"
}

resource "google_project_iam_member" "lb_shard_discovery" {
  project = var.project
  # Spelled out rather than .id, which a plan does not know yet (the plan-time tests read it).
  role   = "projects/${var.project}/roles/${google_project_iam_custom_role.shard_discovery.role_id}"
  member = "serviceAccount:${google_service_account.lb.email}"
  condition {
    title       = "the shard group's instances only"
    description = "odin-ws load balancers read the addresses of ${local.shard_group}'s members"
    expression  = <<-CEL
      resource.type == "compute.googleapis.com/Instance" && resource.name.extract("/instances/{name}").startsWith("${module.shard.base_instance_name}-")
    CEL
  }
}

# Only the shards read the Kafka password, and only that one secret.
resource "google_secret_manager_secret_iam_member" "shard_kafka_password" {
  count     = local.kafka_password_secret == "" ? 0 : 1
  project   = var.project
  secret_id = local.kafka_password_secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.shard.email}"
}

# Both tiers write metrics and logs (Ops Agent, report-load.sh).
resource "google_project_iam_member" "tier_roles" {
  for_each = {
    for pair in setproduct(["shard", "lb"], ["roles/monitoring.metricWriter", "roles/logging.logWriter"]) :
    "${pair[0]} ${pair[1]}" => { member = pair[0] == "shard" ? google_service_account.shard.email : google_service_account.lb.email, role = pair[1] }
  }
  project = var.project
  role    = each.value.role
  member  = "serviceAccount:${each.value.member}"
}

# Both tiers read the release from its bucket: that bucket only, not every bucket of the project.
resource "google_storage_bucket_iam_member" "release_reader" {
  for_each = { shard = google_service_account.shard.email, lb = google_service_account.lb.email }
  bucket   = local.release_bucket
  role     = "roles/storage.objectViewer"
  member   = "serviceAccount:${each.value}"
}
