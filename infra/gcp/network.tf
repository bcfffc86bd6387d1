# The instances have no external address. Boot needs only Google's own services: the release (with
# its Node runtime) from Cloud Storage, Secret Manager, Cloud Monitoring and the metadata server.
# Private Google Access on their subnet is what lets them reach those APIs.
resource "google_compute_subnetwork" "odin" {
  name                     = "odin-ws-${var.region}"
  network                  = local.network
  region                   = var.region
  ip_cidr_range            = var.subnet_cidr
  private_ip_google_access = true
}

# Cloud NAT, for what is not a Google API: the Ops Agent's package repository on first boot, and
# Debian's security updates. Boot and service go on without it (the Ops Agent is then skipped).
resource "google_compute_router" "odin" {
  count   = var.cloud_nat ? 1 : 0
  name    = "odin-ws-${var.region}"
  network = local.network
  region  = var.region
}

resource "google_compute_router_nat" "odin" {
  count                              = var.cloud_nat ? 1 : 0
  name                               = "odin-ws-${var.region}"
  router                             = google_compute_router.odin[0].name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS"
  subnetwork {
    name                    = google_compute_subnetwork.odin.id
    source_ip_ranges_to_nat = ["ALL_IP_RANGES"]
  }
}

# odin-ws's own network (unless var.network names one): only the firewall rules of firewall.tf.
resource "google_compute_network" "odin" {
  count                   = var.network == "" ? 1 : 0
  name                    = "odin-ws"
  auto_create_subnetworks = false
}
