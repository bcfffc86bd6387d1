output "instance_group" {
  value = google_compute_region_instance_group_manager.tier.instance_group
}

output "readiness_health_check_id" {
  description = "The readiness check, for a backend service in front of this tier (null when the tier has none)"
  value       = one(google_compute_health_check.readiness[*].id)
}

output "template_shielded" {
  description = "Whether the instances boot as Shielded VMs (secure boot, vTPM, integrity monitoring)"
  value       = alltrue([for config in google_compute_instance_template.tier.shielded_instance_config : config.enable_secure_boot && config.enable_vtpm && config.enable_integrity_monitoring])
}

output "group_name" {
  description = "The managed instance group's name (shard discovery lists its members)"
  value       = google_compute_region_instance_group_manager.tier.name
}

output "base_instance_name" {
  description = "What the group names its instances after: <base>-<suffix> (discovery's IAM condition)"
  value       = google_compute_region_instance_group_manager.tier.base_instance_name
}

output "template_metadata" {
  description = "The instances' metadata (what startup.sh reads, OS Login): for the plan-time tests"
  value       = google_compute_instance_template.tier.metadata
}
