output "instance_group" {
  value = google_compute_region_instance_group_manager.tier.instance_group
}

output "readiness_health_check_id" {
  description = "The readiness check, for a backend service in front of this tier (null when the tier has none)"
  value       = one(google_compute_health_check.readiness[*].id)
}
