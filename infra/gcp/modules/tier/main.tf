# One tier of odin-ws: an instance template, a regional managed instance group with autohealing and
# draining rolling updates, and an autoscaler on CPU and connections per instance.
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

  metadata = {
    startup-script = var.startup_script
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_health_check" "tier" {
  name                = "odin-ws-${var.name}"
  check_interval_sec  = 5
  timeout_sec         = 3
  healthy_threshold   = 2
  unhealthy_threshold = 3
  http_health_check {
    port         = var.port
    request_path = var.health_check_path
  }
}

resource "google_compute_region_instance_group_manager" "tier" {
  name               = "odin-ws-${var.name}"
  base_instance_name = "odin-ws-${var.name}"
  region             = var.region
  target_size        = var.size.min

  version {
    instance_template = google_compute_instance_template.tier.id
  }

  named_port {
    name = "ws"
    port = var.port
  }

  auto_healing_policies {
    health_check      = google_compute_health_check.tier.id
    initial_delay_sec = 180
  }

  # Rolling updates add the new instance first (surge), wait until it is ready plus min_ready_sec,
  # then delete an old one: deletion stops the systemd unit, whose SIGTERM drain closes the clients
  # with paced 1012s; they reconnect elsewhere and resume from their positions.
  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    replacement_method    = "SUBSTITUTE"
    max_surge_fixed       = 3
    max_unavailable_fixed = 0
    min_ready_sec         = var.min_ready_sec
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

    metric {
      name   = var.connections_metric
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
