resource "google_compute_instance_template" "lb" {
  name_prefix  = "odin-ws-lb-"
  machine_type = var.lb_machine_type
  tags         = ["odin-ws-lb"]
  labels       = { odin-ws-tier = "loadbalancer" }

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
    email  = google_service_account.lb.email
    scopes = ["cloud-platform"]
  }

  metadata = {
    startup-script = templatefile("${path.module}/startup.sh.tftpl", {
      tier        = "loadbalancer"
      port        = local.lb_port
      release_url = var.release_url
      env         = local.lb_env
      units = {
        "odin-ws-loadbalancer.service"    = file("${path.module}/systemd/odin-ws-loadbalancer.service")
        "odin-ws-discover-shards.service" = file("${path.module}/systemd/odin-ws-discover-shards.service")
        "odin-ws-discover-shards.timer"   = file("${path.module}/systemd/odin-ws-discover-shards.timer")
      }
      discover_env    = local.discover_env
      discover_script = file("${path.module}/scripts/discover-shards.sh")
    })
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Serving check for the external load balancer: /ready is 200 while this instance can place clients
# (not draining, at least one shard ready). Also used for autohealing, which is safe here: the LB
# tier is stateless, and an instance that cannot reach any shard is useless.
resource "google_compute_health_check" "lb_ready" {
  name                = "odin-ws-lb-ready"
  check_interval_sec  = 5
  timeout_sec         = 3
  healthy_threshold   = 2
  unhealthy_threshold = 3
  http_health_check {
    port         = local.lb_port
    request_path = "/ready"
  }
}

resource "google_compute_region_instance_group_manager" "lb" {
  name               = "odin-ws-lb"
  base_instance_name = "odin-ws-lb"
  region             = var.region
  target_size        = var.lb_count.min

  version {
    instance_template = google_compute_instance_template.lb.id
  }

  named_port {
    name = "ws"
    port = local.lb_port
  }

  auto_healing_policies {
    health_check      = google_compute_health_check.lb_ready.id
    initial_delay_sec = 180
  }

  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    replacement_method    = "SUBSTITUTE"
    max_surge_fixed       = 3
    max_unavailable_fixed = 0
    min_ready_sec         = 30
  }
}

resource "google_compute_region_autoscaler" "lb" {
  name   = "odin-ws-lb"
  region = var.region
  target = google_compute_region_instance_group_manager.lb.id

  autoscaling_policy {
    min_replicas    = var.lb_count.min
    max_replicas    = var.lb_count.max
    cooldown_period = var.autoscaling.cool_down_period_sec

    cpu_utilization {
      target = var.autoscaling.cpu_target
    }

    metric {
      name   = "prometheus.googleapis.com/ws_proxied_connections_active/gauge"
      target = var.autoscaling.lb_connections_target
      type   = "GAUGE"
    }

    scale_in_control {
      max_scaled_in_replicas {
        fixed = var.autoscaling.scale_in_max_fixed_replicas
      }
      time_window_sec = 300
    }
  }
}

# The public entry point: a global external Application Load Balancer in front of the LB tier.
# For WebSockets its backend timeout is the longest a connection may stay open (idle or not), so it
# is set far above the 16 s ping interval; clients cut at that limit reconnect and resume. Draining
# gives a removed instance's clients time to be closed by its own SIGTERM drain (1012 + retry hint).
resource "google_compute_backend_service" "lb" {
  name                            = "odin-ws"
  protocol                        = "HTTP"
  port_name                       = "ws"
  load_balancing_scheme           = "EXTERNAL_MANAGED"
  timeout_sec                     = var.websocket_max_lifetime_s
  connection_draining_timeout_sec = var.drain_timeout_s + 15
  health_checks                   = [google_compute_health_check.lb_ready.id]

  backend {
    group           = google_compute_region_instance_group_manager.lb.instance_group
    balancing_mode  = "UTILIZATION"
    max_utilization = 0.8
    capacity_scaler = 1.0
  }

  log_config {
    enable      = true
    sample_rate = 0.1
  }
}

resource "google_compute_url_map" "lb" {
  name            = "odin-ws"
  default_service = google_compute_backend_service.lb.id
}

resource "google_compute_global_address" "lb" {
  name = "odin-ws"
}

resource "google_compute_target_http_proxy" "lb" {
  count   = var.domain == "" ? 1 : 0
  name    = "odin-ws"
  url_map = google_compute_url_map.lb.id
}

resource "google_compute_managed_ssl_certificate" "lb" {
  count = var.domain == "" ? 0 : 1
  name  = "odin-ws"
  managed {
    domains = [var.domain]
  }
}

resource "google_compute_target_https_proxy" "lb" {
  count            = var.domain == "" ? 0 : 1
  name             = "odin-ws"
  url_map          = google_compute_url_map.lb.id
  ssl_certificates = [google_compute_managed_ssl_certificate.lb[0].id]
}

resource "google_compute_global_forwarding_rule" "lb" {
  name                  = "odin-ws"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.lb.id
  port_range            = var.domain == "" ? "80" : "443"
  target                = var.domain == "" ? google_compute_target_http_proxy.lb[0].id : google_compute_target_https_proxy.lb[0].id
}
