variable "name" {
  description = "Tier name, used in resource names: shard or lb"
  type        = string
}

variable "tier_label" {
  description = "Value of the odin-ws-tier instance label (Prometheus and shard discovery select by it)"
  type        = string
}

variable "region" {
  type = string
}

variable "network" {
  type = string
}

variable "subnetwork" {
  type = string
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
  description = "The rendered start-up script"
  type        = string
}

variable "health_check_path" {
  description = "HTTP path autohealing checks"
  type        = string
}

variable "size" {
  description = "Autoscaler floor and ceiling"
  type        = object({ min = number, max = number })
}

variable "min_ready_sec" {
  description = "Seconds a new instance must be ready before a rolling update deletes an old one"
  type        = number
}

variable "cpu_target" {
  type = number
}

variable "connections_metric" {
  description = "Cloud Monitoring metric of connections per instance, scraped from /metrics by the Ops Agent"
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
