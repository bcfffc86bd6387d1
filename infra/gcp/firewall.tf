# Google's front ends and health checkers to the LB tier; health checkers to the shards (autohealing).
resource "google_compute_firewall" "lb_from_google" {
  name          = "odin-ws-lb-from-google"
  network       = local.network
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
  network       = local.network
  direction     = "INGRESS"
  source_ranges = local.google_health_check_ranges
  target_tags   = ["odin-ws-shard"]
  allow {
    protocol = "tcp"
    ports    = [tostring(local.shard_port)]
  }
}

# Only the LB tier opens WebSockets on the shards and polls their /load on the ops port; clients never
# reach them. Matched by service account, not network tag: anyone who may edit a VM can tag it, while
# running as the LB's service account takes the right to act as it.
resource "google_compute_firewall" "shard_from_lb" {
  name                    = "odin-ws-shard-from-lb"
  network                 = local.network
  direction               = "INGRESS"
  source_service_accounts = [google_service_account.lb.email]
  target_service_accounts = [google_service_account.shard.email]
  allow {
    protocol = "tcp"
    ports    = [tostring(local.shard_port), tostring(local.shard_admin_port)]
  }
}

resource "google_compute_firewall" "metrics_from_monitoring" {
  count         = length(var.monitoring_source_ranges) > 0 ? 1 : 0
  name          = "odin-ws-metrics-from-monitoring"
  network       = local.network
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
  network       = local.network
  direction     = "INGRESS"
  source_ranges = ["35.235.240.0/20"]
  target_tags   = ["odin-ws-lb", "odin-ws-shard"]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
