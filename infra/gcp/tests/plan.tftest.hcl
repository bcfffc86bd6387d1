# `terraform test` (plan only, nothing is created): the whole configuration plans against the real
# google provider with a fake project. Google's zone list is the one thing read from the API at plan
# time, so it is given here. Run by infra/gcp/terraform.test.ts where the provider is built.

variables {
  project        = "odin-fake-project"
  release_url    = "gs://odin-fake/odin-ws-0.1.0.tgz"
  release_sha256 = "9aa8b857ac4ab0bfb1245e948eeeacc904b13a3608c9a281d551c43c66bea66e"
  # A public key only (its private half was never kept): what a deployment passes in.
  release_signing_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPmQ6LYvvHQGH6RDeRN51SL3XwkAn3FreKyAYrRlLNPp odin-ws release test"
  kafka_brokers       = ["10.10.0.11:9092"]
  kafka_sasl          = { mechanism = "scram-sha-512", username = "odin", password_secret = "odin-kafka-password" }
  auth                = { jwks_url = "https://id.example.com/.well-known/jwks.json", audience = "odin-ws" }
  domain              = "stream.example.com"
}

override_data {
  target = module.shard.data.google_compute_zones.available
  values = { names = ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"] }
}

override_data {
  target = module.lb.data.google_compute_zones.available
  values = { names = ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"] }
}

run "plans" {
  command = plan

  assert {
    condition     = google_compute_subnetwork.odin.private_ip_google_access
    error_message = "the instances have no external address: their subnetwork needs Private Google Access"
  }

  assert {
    condition     = length(google_compute_router_nat.odin) == 1
    error_message = "Cloud NAT is on by default"
  }

  assert {
    condition     = google_secret_manager_secret_iam_member.shard_kafka_password[0].secret_id == "odin-kafka-password"
    error_message = "the shards' service account reads the Kafka password secret"
  }

  assert {
    condition     = local.shard_env["ODIN_KAFKA_SASL_PASSWORD_FILE"] == "/etc/odin-ws/kafka-sasl-password" && !contains(keys(local.shard_env), "ODIN_KAFKA_SASL_PASSWORD")
    error_message = "the password reaches the shard as a file, never as a value"
  }
}

# The defaults: no SASL, so no password file and no secret grant.
run "plans_without_kafka_sasl" {
  command = plan

  variables {
    kafka_sasl = null
  }

  assert {
    condition     = !contains(keys(local.shard_env), "ODIN_KAFKA_SASL_PASSWORD_FILE") && !contains(keys(local.shard_env), "ODIN_KAFKA_SASL_MECHANISM")
    error_message = "without kafka_sasl the shards get no SASL settings"
  }

  assert {
    condition     = length(google_secret_manager_secret_iam_member.shard_kafka_password) == 0
    error_message = "without a secret there is no grant"
  }
}

# With only the required variables: token checking, HTTPS, its own network, Kafka over TLS, private ops
# surfaces, Shielded VMs; each switch off only when asked for.
run "secure_by_default" {
  command = plan

  assert {
    condition     = local.shard_env["ODIN_AUTH_JWKS_URL"] == "https://id.example.com/.well-known/jwks.json" && local.lb_env["ODIN_AUTH_AUDIENCE"] == "odin-ws"
    error_message = "both tiers check tokens"
  }

  assert {
    condition     = local.lb_env["ODIN_ALLOWED_ORIGINS"] == "https://stream.example.com"
    error_message = "browsers from other sites are refused: the allowed origin defaults to the domain"
  }

  assert {
    condition     = length(google_compute_network.odin) == 1 && google_compute_network.odin[0].auto_create_subnetworks == false
    error_message = "odin-ws gets its own network by default"
  }

  assert {
    condition     = local.shard_env["ODIN_KAFKA_SSL"] == "on"
    error_message = "Kafka is reached over TLS by default"
  }

  assert {
    condition     = module.shard.template_shielded && module.lb.template_shielded
    error_message = "both tiers boot as Shielded VMs"
  }

  assert {
    condition     = google_storage_bucket_iam_member.release_reader["lb"].bucket == "odin-fake" && !contains([for binding in google_project_iam_member.tier_roles : binding.role], "roles/storage.objectViewer")
    error_message = "the tiers read the release bucket only, not every bucket of the project"
  }

  assert {
    condition     = local.discover_env["SHARD_GROUP"] == "odin-ws-shard" && !contains(keys(local.discover_env), "SHARD_LABEL")
    error_message = "shards are discovered by membership of their group, not by a label"
  }

  assert {
    condition     = endswith(google_project_iam_member.lb_shard_discovery.role, "/roles/odinWsShardDiscovery") && !contains([for binding in google_project_iam_member.tier_roles : binding.role], "roles/compute.viewer")
    error_message = "load balancers discover shards with the scoped role, not project-wide compute.viewer"
  }

  assert {
    condition     = strcontains(google_project_iam_member.lb_shard_discovery.condition[0].expression, "startsWith(\"odin-ws-shard-\")") && google_project_iam_custom_role.shard_discovery.permissions == toset(["compute.instances.get"])
    error_message = "reading instances is conditioned on the shard group's instances"
  }

  assert {
    condition     = google_project_iam_custom_role.shard_group_listing.permissions == toset(["compute.instanceGroupManagers.list"]) && length(google_project_iam_member.lb_shard_group_listing.condition) == 0
    error_message = "listing group members is its own role, with no condition that a list could never match"
  }

  assert {
    condition     = [for rule in google_compute_security_policy.lb.rule : rule.rate_limit_options[0].enforce_on_key if rule.action == "throttle"] == ["IP"]
    error_message = "Cloud Armor throttles each client IP in front of the LB tier (attached to the backend service: gcp.test.ts, as its id is known only after apply)"
  }

  assert {
    condition     = [for rule in google_compute_security_policy.lb.rule : rule.rate_limit_options[0].rate_limit_threshold[0].count if rule.action == "throttle"] == [300]
    error_message = "the edge rate limit defaults to 300 requests a minute per IP"
  }

  assert {
    condition     = google_compute_ssl_policy.lb.profile == "MODERN" && google_compute_ssl_policy.lb.min_tls_version == "TLS_1_2"
    error_message = "HTTPS serves TLS 1.2 or newer (MODERN), not Google's default, which still takes TLS 1.0"
  }

  assert {
    condition     = module.shard.template_metadata["enable-oslogin"] == "TRUE" && module.shard.template_metadata["block-project-ssh-keys"] == "TRUE"
    error_message = "SSH access comes from OS Login (IAM) only; project-wide keys are not honoured"
  }

  assert {
    condition     = module.shard.template_metadata["odin-release-signature-url"] == "gs://odin-fake/odin-ws-0.1.0.tgz.sig" && startswith(module.shard.template_metadata["odin-release-signing-key"], "ssh-ed25519 ")
    error_message = "every instance verifies the release's detached signature against the key the deployment names"
  }

  assert {
    condition     = local.lb_env["ODIN_AUTH_QUERY_TOKEN"] == "refuse" && local.shard_env["ODIN_AUTH_QUERY_TOKEN"] == "refuse"
    error_message = "tokens in URLs are refused: Google's load balancer logs request URLs"
  }
}

run "refuses_an_open_deployment" {
  command = plan

  variables {
    auth = null
  }

  expect_failures = [var.auth]
}

run "refuses_plain_http_without_allow_plaintext" {
  command = plan

  variables {
    domain = ""
  }

  expect_failures = [var.domain]
}

run "refuses_an_unnamed_release" {
  command = plan

  variables {
    release_sha256 = "latest"
  }

  expect_failures = [var.release_sha256]
}


run "refuses_a_release_without_a_signing_key" {
  command = plan

  variables {
    release_signing_key = "not a key"
  }

  expect_failures = [var.release_signing_key]
}
