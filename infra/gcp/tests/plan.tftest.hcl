# `terraform test` (plan only, nothing is created): the whole configuration plans against the real
# google provider with a fake project. Google's zone list is the one thing read from the API at plan
# time, so it is given here. Run by infra/gcp/terraform.test.ts where the provider is built.

variables {
  project       = "odin-fake-project"
  release_url   = "gs://odin-fake/odin-ws-0.1.0.tgz"
  kafka_brokers = ["10.10.0.11:9092"]
  kafka_sasl    = { mechanism = "scram-sha-512", username = "odin", password_secret = "odin-kafka-password" }
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
