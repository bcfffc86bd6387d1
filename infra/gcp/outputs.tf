output "websocket_url" {
  description = "Where clients connect"
  value       = var.domain == "" ? "ws://${google_compute_global_address.lb.address}/ws" : "wss://${var.domain}/ws"
}

output "shard_group" {
  description = "The shard tier's managed instance group"
  value       = module.shard.instance_group
}

output "lb_group" {
  description = "The load-balancer tier's managed instance group"
  value       = module.lb.instance_group
}
