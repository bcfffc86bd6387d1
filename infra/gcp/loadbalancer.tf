# The load-balancer tier. Autohealing checks /health (liveness: the process answers); the external
# load balancer checks /ready (not draining, at least one shard ready) before sending traffic. They
# must differ: with /ready as autohealing, a Kafka outage (shards degraded, none ready) would make
# GCP recreate every LB VM and drop every client the shards deliberately kept through it.
module "lb" {
  source                      = "./modules/tier"
  name                        = "lb"
  tier_label                  = "loadbalancer"
  region                      = var.region
  network                     = local.network
  subnetwork                  = google_compute_subnetwork.odin.id
  image                       = var.image
  machine_type                = var.lb_machine_type
  service_account_email       = google_service_account.lb.email
  port                        = local.lb_port
  admin_port                  = local.lb_admin_port
  liveness_path               = "/health"
  readiness_path              = "/ready"
  size                        = var.lb_count
  cpu_target                  = var.autoscaling.cpu_target
  load_series                 = "ws_proxied_connections_active"
  connections_metric          = "custom.googleapis.com/odin_ws/lb_proxied_connections"
  connections_target          = var.autoscaling.lb_connections_target
  cool_down_period_sec        = var.autoscaling.cool_down_period_sec
  scale_in_max_fixed_replicas = var.autoscaling.scale_in_max_fixed_replicas
  startup_script              = file("${path.module}/startup.sh")
  release_url                 = var.release_url
  release_sha256              = var.release_sha256
  release_signing_key         = var.release_signing_key
  env                         = local.lb_env
  discover_env                = local.discover_env
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
  health_checks                   = [module.lb.readiness_health_check_id]
  security_policy                 = google_compute_security_policy.lb.id

  backend {
    group           = module.lb.instance_group
    balancing_mode  = "UTILIZATION"
    max_utilization = 0.8
    capacity_scaler = 1.0
  }

  log_config {
    enable      = true
    sample_rate = 0.1
  }
}

# Cloud Armor at Google's edge: a flood from one address is throttled before it costs the LB tier a
# connection, a handshake parse or an admission place. Behind it the LB tier's own per-IP cap and
# admission still hold (docs/security.md).
resource "google_compute_security_policy" "lb" {
  name        = "odin-ws"
  description = "odin-ws: requests per client IP at Google's edge"

  rule {
    action      = "throttle"
    priority    = 1000
    description = "at most edge_rate_limit requests a minute per client IP"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.edge_rate_limit
        interval_sec = 60
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "everything within the rate"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

# TLS 1.2 or newer with forward-secret AEAD suites only: Google's default policy still accepts TLS 1.0.
resource "google_compute_ssl_policy" "lb" {
  name            = "odin-ws"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
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
  ssl_policy       = google_compute_ssl_policy.lb.id
}

resource "google_compute_global_forwarding_rule" "lb" {
  name                  = "odin-ws"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.lb.id
  port_range            = var.domain == "" ? "80" : "443"
  target                = var.domain == "" ? google_compute_target_http_proxy.lb[0].id : google_compute_target_https_proxy.lb[0].id
}
