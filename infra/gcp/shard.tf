# The shard tier. Autohealing checks /health, which is liveness only: it answers 200 while the process
# runs, even when Kafka is down. Autohealing on /ready would recreate every shard during a Kafka
# outage and drop all their clients. A new shard fills its history before it is ready (warming), so
# rolling updates wait 60 s after readiness.
module "shard" {
  source                      = "./modules/tier"
  name                        = "shard"
  tier_label                  = "shard"
  region                      = var.region
  network                     = var.network
  subnetwork                  = var.subnetwork
  image                       = var.image
  machine_type                = var.shard_machine_type
  service_account_email       = google_service_account.shard.email
  port                        = local.shard_port
  health_check_path           = "/health"
  size                        = var.shard_count
  min_ready_sec               = 60
  cpu_target                  = var.autoscaling.cpu_target
  connections_metric          = "prometheus.googleapis.com/ws_connections_active/gauge"
  connections_target          = var.autoscaling.shard_connections_target
  cool_down_period_sec        = var.autoscaling.cool_down_period_sec
  scale_in_max_fixed_replicas = var.autoscaling.scale_in_max_fixed_replicas
  startup_script = templatefile("${path.module}/startup.sh.tftpl", {
    tier            = "shard"
    port            = local.shard_port
    admin_port      = local.shard_admin_port
    release_url     = var.release_url
    env             = local.shard_env
    units           = { "odin-ws-shard.service" = file("${path.module}/systemd/odin-ws-shard.service") }
    discover_env    = {}
    discover_script = ""
  })
}
