# The shard tier. Autohealing checks /health, which is liveness only: it answers 200 while the process
# runs, even when Kafka is down. Autohealing on /ready would recreate every shard during a Kafka
# outage and drop all their clients. No load balancer fronts the shards (the LB tier polls their
# detailed /health itself, and sends no client to a shard still warming its history), so there is
# no readiness check here.
module "shard" {
  source                      = "./modules/tier"
  name                        = "shard"
  tier_label                  = "shard"
  region                      = var.region
  network                     = local.network
  subnetwork                  = google_compute_subnetwork.odin.id
  image                       = var.image
  machine_type                = var.shard_machine_type
  service_account_email       = google_service_account.shard.email
  port                        = local.shard_port
  admin_port                  = local.shard_admin_port
  liveness_path               = "/health"
  size                        = var.shard_count
  cpu_target                  = var.autoscaling.cpu_target
  load_series                 = "ws_connections_active"
  connections_metric          = "custom.googleapis.com/odin_ws/shard_connections"
  connections_target          = var.autoscaling.shard_connections_target
  cool_down_period_sec        = var.autoscaling.cool_down_period_sec
  scale_in_max_fixed_replicas = var.autoscaling.scale_in_max_fixed_replicas
  startup_script              = file("${path.module}/startup.sh")
  release_url                 = var.release_url
  release_sha256              = var.release_sha256
  release_signing_key         = var.release_signing_key
  env                         = local.shard_env
  kafka_password_secret       = local.kafka_password_secret
}
