resource "google_compute_instance_template" "shard" {
  name_prefix  = "odin-ws-shard-"
  machine_type = var.shard_machine_type
  tags         = ["odin-ws-shard"]
  labels       = { odin-ws-tier = "shard" }

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
    email  = google_service_account.shard.email
    scopes = ["cloud-platform"]
  }

  metadata = {
    startup-script = templatefile("${path.module}/startup.sh.tftpl", {
      tier            = "shard"
      port            = local.shard_port
      release_url     = var.release_url
      env             = local.shard_env
      units           = { "odin-ws-shard.service" = file("${path.module}/systemd/odin-ws-shard.service") }
      discover_env    = {}
      discover_script = ""
    })
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Liveness only: /health answers 200 while the process runs, even when Kafka is down. Autohealing on
# /ready would recreate every shard during a Kafka outage and drop all their clients.
resource "google_compute_health_check" "shard_alive" {
  name                = "odin-ws-shard-alive"
  check_interval_sec  = 10
  timeout_sec         = 5
  healthy_threshold   = 2
  unhealthy_threshold = 3
  http_health_check {
    port         = local.shard_port
    request_path = "/health"
  }
}

resource "google_compute_region_instance_group_manager" "shard" {
  name               = "odin-ws-shard"
  base_instance_name = "odin-ws-shard"
  region             = var.region
  target_size        = var.shard_count.min

  version {
    instance_template = google_compute_instance_template.shard.id
  }

  named_port {
    name = "ws"
    port = local.shard_port
  }

  auto_healing_policies {
    health_check      = google_compute_health_check.shard_alive.id
    initial_delay_sec = 180
  }

  # Rolling updates add the new shard first (surge), wait until it has filled its history and is
  # ready (min_ready_sec), then delete an old one: deletion stops odin-ws-shard.service, whose
  # SIGTERM drain moves its clients (paced 1012s) to the others, who resume from their positions.
  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    replacement_method    = "SUBSTITUTE"
    max_surge_fixed       = 3
    max_unavailable_fixed = 0
    min_ready_sec         = 60
  }
}

resource "google_compute_region_autoscaler" "shard" {
  name   = "odin-ws-shard"
  region = var.region
  target = google_compute_region_instance_group_manager.shard.id

  autoscaling_policy {
    min_replicas    = var.shard_count.min
    max_replicas    = var.shard_count.max
    cooldown_period = var.autoscaling.cool_down_period_sec

    cpu_utilization {
      target = var.autoscaling.cpu_target
    }

    # Open WebSockets per shard, from its own /metrics (Ops Agent, Managed Service for Prometheus).
    metric {
      name   = "prometheus.googleapis.com/ws_connections_active/gauge"
      target = var.autoscaling.shard_connections_target
      type   = "GAUGE"
    }

    # Scale in gently: each removed shard drains its clients onto the others.
    scale_in_control {
      max_scaled_in_replicas {
        fixed = var.autoscaling.scale_in_max_fixed_replicas
      }
      time_window_sec = 300
    }
  }
}
