# One tier of odin-ws: an instance template, a regional managed instance group with autohealing and
# draining rolling updates, and an autoscaler on CPU and connections per instance.

# Every zone of the region that is up, so the group spreads over all of them (and a region with
# four zones is not held to a fixed three).
data "google_compute_zones" "available" {
  region = var.region
  status = "UP"
}
resource "google_compute_instance_template" "tier" {
  name_prefix  = "odin-ws-${var.name}-"
  machine_type = var.machine_type
  tags         = ["odin-ws-${var.name}"]
  labels       = { odin-ws-tier = var.tier_label }

  disk {
    source_image = var.image
    disk_size_gb = 20
    boot         = true
    auto_delete  = true
  }

  network_interface {
    network    = var.network
    subnetwork = var.subnetwork
  }

  service_account {
    email  = var.service_account_email
    scopes = ["cloud-platform"]
  }

  # Verified boot: firmware and boot loader signed, boot measured into a virtual TPM.
  shielded_instance_config {
    enable_secure_boot          = true
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  # What startup.sh reads. No secret is ever here: the Kafka password is only named (its secret id).
  # OS Login: SSH access is granted by IAM (roles/compute.osLogin), per person, audited; keys in
  # project metadata, which anyone with project edit rights can add, are not honoured.
  metadata = merge({
    startup-script             = var.startup_script
    enable-oslogin             = "TRUE"
    block-project-ssh-keys     = "TRUE"
    odin-tier                  = var.tier_label
    odin-release-url           = var.release_url
    odin-release-sha256        = var.release_sha256
    odin-release-signature-url = "${var.release_url}.sig"
    odin-release-signing-key   = var.release_signing_key
    odin-env                   = join("\n", [for key, value in var.env : "${key}=${value}"])
    odin-admin-port            = tostring(var.admin_port)
    odin-load-series           = var.load_series
    odin-load-metric           = var.connections_metric
    odin-kafka-password-secret = var.kafka_password_secret
    }, length(var.discover_env) == 0 ? {} : {
    odin-discover-env = join("\n", [for key, value in var.discover_env : "${key}=${value}"])
  })

  lifecycle {
    create_before_destroy = true
  }
}

# Liveness, for autohealing only: 200 while the process runs, whatever Kafka or the shards do. A
# readiness check here would recreate instances that are deliberately keeping their clients through
# an outage (a shard without Kafka is "degraded", an LB without a ready shard is not ready).
resource "google_compute_health_check" "liveness" {
  name                = "odin-ws-${var.name}-liveness"
  check_interval_sec  = 10
  timeout_sec         = 5
  healthy_threshold   = 2
  unhealthy_threshold = 3
  http_health_check {
    port         = var.port
    request_path = var.liveness_path
  }
}

# Readiness, for traffic only (a load balancer's backend service), when the tier has one.
resource "google_compute_health_check" "readiness" {
  count               = var.readiness_path == null ? 0 : 1
  name                = "odin-ws-${var.name}-readiness"
  check_interval_sec  = 5
  timeout_sec         = 3
  healthy_threshold   = 2
  unhealthy_threshold = 2
  http_health_check {
    port         = var.port
    request_path = var.readiness_path
  }
}

resource "google_compute_region_instance_group_manager" "tier" {
  name               = "odin-ws-${var.name}"
  base_instance_name = "odin-ws-${var.name}"
  region             = var.region
  # No target_size: the autoscaler owns the size. Setting it here would make every apply push the
  # group back to it, draining live instances.
  distribution_policy_zones = data.google_compute_zones.available.names

  version {
    instance_template = google_compute_instance_template.tier.id
  }

  named_port {
    name = "ws"
    port = var.port
  }

  auto_healing_policies {
    health_check      = google_compute_health_check.liveness.id
    initial_delay_sec = 180
  }

  # Rolling updates add the new instance first (surge), wait until its liveness check passes, then
  # delete an old one: deletion stops the systemd unit, whose SIGTERM drain closes the clients with
  # paced 1012s; they reconnect elsewhere and resume from their positions. (A wait for readiness
  # beyond that, update_policy.min_ready_sec, exists only in the google-beta provider.)
  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    replacement_method    = "SUBSTITUTE"
    max_surge_fixed       = 3
    max_unavailable_fixed = 0
  }
}

resource "google_compute_region_autoscaler" "tier" {
  name   = "odin-ws-${var.name}"
  region = var.region
  target = google_compute_region_instance_group_manager.tier.id

  autoscaling_policy {
    min_replicas    = var.size.min
    max_replicas    = var.size.max
    cooldown_period = var.cool_down_period_sec

    cpu_utilization {
      target = var.cpu_target
    }

    # Connections per instance. Ops Agent's Prometheus series are written against the
    # prometheus_target resource, which the autoscaler only reads as one value for the whole group;
    # per-instance scaling needs gce_instance, so each instance writes this series itself
    # (report-load.sh). docs/deploy.md says how to check the autoscaler sees it.
    metric {
      name   = var.connections_metric
      filter = "resource.type = \"gce_instance\""
      target = var.connections_target
      type   = "GAUGE"
    }

    # Scale in gently: each removed instance drains its clients onto the others.
    scale_in_control {
      max_scaled_in_replicas {
        fixed = var.scale_in_max_fixed_replicas
      }
      time_window_sec = 300
    }
  }
}
