# Google's front ends and health checkers to the LB tier; health checkers to the shards (autohealing).
resource "google_compute_firewall" "lb_from_google" {
  name          = "odin-ws-lb-from-google"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = local.google_health_check_ranges
  target_tags   = ["odin-ws-lb"]
  allow {
    protocol = "tcp"
    ports    = [tostring(local.lb_port)]
  }
}

resource "google_compute_firewall" "shard_health_checks" {
  name          = "odin-ws-shard-health-checks"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = local.google_health_check_ranges
  target_tags   = ["odin-ws-shard"]
  allow {
    protocol = "tcp"
    ports    = [tostring(local.shard_port)]
  }
}

# Only the LB tier opens WebSockets on the shards and polls their /health on the ops port; clients never reach them.
resource "google_compute_firewall" "shard_from_lb" {
  name        = "odin-ws-shard-from-lb"
  network     = var.network
  direction   = "INGRESS"
  source_tags = ["odin-ws-lb"]
  target_tags = ["odin-ws-shard"]
  allow {
    protocol = "tcp"
    ports    = [tostring(local.shard_port), tostring(local.shard_admin_port)]
  }
}

resource "google_compute_firewall" "metrics_from_monitoring" {
  count         = length(var.monitoring_source_ranges) > 0 ? 1 : 0
  name          = "odin-ws-metrics-from-monitoring"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = var.monitoring_source_ranges
  target_tags   = ["odin-ws-lb", "odin-ws-shard"]
  allow {
    protocol = "tcp"
    ports    = [tostring(local.lb_admin_port), tostring(local.shard_admin_port)]
  }
}

# SSH through Identity-Aware Proxy only.
resource "google_compute_firewall" "ssh_from_iap" {
  name          = "odin-ws-ssh-from-iap"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = ["35.235.240.0/20"]
  target_tags   = ["odin-ws-lb", "odin-ws-shard"]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
