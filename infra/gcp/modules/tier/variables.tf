variable "name" {
  description = "Tier name, used in resource names: shard or lb"
  type        = string
}

variable "tier_label" {
  description = "shard or loadbalancer: the odin-ws-tier instance label (Prometheus and shard discovery select by it) and the mode startup.sh starts"
  type        = string
}

variable "region" {
  type = string
}

variable "network" {
  type = string
}

variable "subnetwork" {
  description = "Subnetwork with Private Google Access (the instances have no external address)"
  type        = string
}

variable "image" {
  type = string
}

variable "machine_type" {
  type = string
}

variable "service_account_email" {
  type = string
}

variable "port" {
  description = "Port odin-ws listens on (named port ws)"
  type        = number
}

variable "startup_script" {
  description = "The start-up script (infra/gcp/startup.sh); it reads the odin-* metadata set here"
  type        = string
}

variable "release_url" {
  description = "gs:// URL of the release tarball"
  type        = string
}

variable "release_sha256" {
  description = "sha256 of the release tarball: startup.sh refuses another"
  type        = string
}

variable "release_signing_key" {
  description = "OpenSSH public key the release's detached signature (<release_url>.sig) must verify against: startup.sh refuses another"
  type        = string
}

variable "env" {
  description = "ODIN_* settings of the service"
  type        = map(string)
}

variable "admin_port" {
  description = "The private ops port (/metrics, detailed /health)"
  type        = number
}

variable "load_series" {
  description = "The /metrics series report-load.sh writes to connections_metric"
  type        = string
}

variable "kafka_password_secret" {
  description = "Secret Manager secret id of the Kafka SASL password, read at boot; empty for none"
  type        = string
  default     = ""
}

variable "discover_env" {
  description = "Settings of discover-shards.sh (load balancer only)"
  type        = map(string)
  default     = {}
}

variable "liveness_path" {
  description = "HTTP path autohealing checks: liveness only (200 while the process runs)"
  type        = string
  default     = "/health"
}

variable "readiness_path" {
  description = "HTTP path a backend service checks before sending traffic; null when no load balancer fronts the tier"
  type        = string
  default     = null
}

variable "size" {
  description = "Autoscaler floor and ceiling"
  type        = object({ min = number, max = number })
}

variable "cpu_target" {
  type = number
}

variable "connections_metric" {
  description = "Cloud Monitoring metric of connections per instance, on the gce_instance resource (written by report-load.sh)"
  type        = string
}

variable "connections_target" {
  type = number
}

variable "cool_down_period_sec" {
  type = number
}

variable "scale_in_max_fixed_replicas" {
  type = number
}
