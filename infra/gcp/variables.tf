variable "project" {
  description = "GCP project id"
  type        = string
}

variable "region" {
  description = "Region of both managed instance groups (regional: instances spread over its zones)"
  type        = string
  default     = "us-central1"
}

variable "network" {
  description = "An existing VPC network for the instances (it must reach the Kafka brokers); empty: odin-ws creates its own, so no other VM of the project shares its firewall rules (the default network's allow-internal rule would let any VM reach shards and ops ports)"
  type        = string
  default     = ""
}

variable "subnet_cidr" {
  description = "Address range of the subnetwork odin-ws creates in var.network (with Private Google Access)"
  type        = string
  default     = "10.80.0.0/20"
}

variable "cloud_nat" {
  description = "Add Cloud NAT for the Ops Agent install and OS updates; boot and service need only Google APIs without it"
  type        = bool
  default     = true
}

variable "release_url" {
  description = "gs:// URL of the odin-ws release tarball (scripts/package-release.sh builds it)"
  type        = string
}

variable "release_sha256" {
  description = "sha256 of that tarball (docs/releasing.md publishes it beside it): every instance checks it before unpacking, and refuses to boot a different one"
  type        = string
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.release_sha256))
    error_message = "release_sha256 must be 64 lower-case hex digits (sha256sum of the release tarball)."
  }
}

variable "release_signing_key" {
  description = "The OpenSSH public key (e.g. ssh-ed25519 AAAA…) whose private half signs releases (docs/releasing.md): every instance verifies the release's detached signature, <release_url>.sig, with ssh-keygen -Y verify before unpacking it, and refuses to boot one that does not verify"
  type        = string
  validation {
    condition     = can(regex("^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+=*( [^\\n]*)?$", var.release_signing_key))
    error_message = "release_signing_key must be one OpenSSH public key line (ssh-ed25519 AAAA… comment)."
  }
}

variable "edge_rate_limit" {
  description = "Cloud Armor, at Google's edge in front of the LB tier: requests (WebSocket handshakes included) one client IP may make per minute; past it, 429 until its rate drops. The LB tier's own per-IP admission still applies behind it"
  type        = number
  default     = 300
  validation {
    condition     = var.edge_rate_limit >= 10
    error_message = "edge_rate_limit must be at least 10 requests a minute."
  }
}

variable "auth" {
  description = "Token checking on both tiers: the issuer's JWKS URL (https), the audience its tokens for odin-ws carry, and optionally the issuer (docs/auth.md). Required unless allow_anonymous"
  type = object({
    jwks_url = string
    audience = string
    issuer   = optional(string, "")
  })
  default = null
  validation {
    condition     = var.auth != null || var.allow_anonymous
    error_message = "auth is required (a JWKS URL and an audience): an open deployment lets anyone subscribe to every channel. Set allow_anonymous = true to run without it."
  }
}

variable "allow_anonymous" {
  description = "Run without token checking (anyone may connect and subscribe to every channel): only for public data"
  type        = bool
  default     = false
}

variable "allowed_origins" {
  description = "Browser origins allowed to connect (ODIN_ALLOWED_ORIGINS); empty: https://<domain> when a domain is set"
  type        = list(string)
  default     = []
}

variable "image" {
  description = "Boot image of both tiers: Debian 13 (systemd, gcloud, glibc 2.41; the uWS binary needs 2.38 or newer); Node comes in the release (docs/deploy.md#runtime)"
  type        = string
  default     = "debian-cloud/debian-13"
}

variable "kafka_brokers" {
  description = "Kafka bootstrap brokers, host:port"
  type        = list(string)
}

variable "kafka_ssl" {
  description = "TLS to the brokers (ODIN_KAFKA_SSL), verified against the system's CAs; off only for brokers on a trusted private network"
  type        = bool
  default     = true
}

variable "kafka_sasl" {
  description = <<-EOT
    SASL to the brokers, or null. The password is read from Secret Manager at boot into a file only
    the service reads (ODIN_KAFKA_SASL_PASSWORD_FILE): it never appears in instance metadata, the
    Terraform state or the environment. mechanism: plain, scram-sha-256, scram-sha-512, or
    oauthbearer (Google Managed Kafka: the instance's own identity; no secret).
  EOT
  type = object({
    mechanism       = string
    username        = optional(string, "")
    password_secret = optional(string, "")
  })
  default = null
}

variable "topics" {
  description = "Kafka topics the shards consume"
  type        = list(string)
  default     = ["odin.trades", "odin.liquidity", "odin.metadata", "odin.social", "odin.community", "odin.creation", "odin.analytics", "odin.balances"]
}

variable "channel_map" {
  description = "topic=event pairs (channel = <record key>.<event>); topics not listed use the last dot-segment"
  type        = map(string)
  default     = { "odin.trades" = "trade", "odin.liquidity" = "liquidity" }
}

variable "shard_machine_type" {
  description = "Machine type of a shard (one Node process; 2 vCPUs leave one for the kernel's TCP work)"
  type        = string
  default     = "c3-standard-4"
}

variable "shard_max_connections" {
  description = "Connections one shard accepts (--max-connections); see docs/capacity.md"
  type        = number
  default     = 15000
}

variable "shard_count" {
  description = "Shard instances to start with, and the autoscaler's floor"
  type        = object({ min = number, max = number })
  default     = { min = 3, max = 30 }
}

variable "lb_machine_type" {
  description = "Machine type of a load-balancer instance (one worker per vCPU)"
  type        = string
  default     = "c3-standard-4"
}

variable "lb_workers" {
  description = "Load-balancer worker processes per instance (--lb-workers); each proxied client costs two descriptors in one of them"
  type        = number
  default     = 4
}

variable "lb_count" {
  description = "Load-balancer instances: the autoscaler's floor and ceiling"
  type        = object({ min = number, max = number })
  default     = { min = 2, max = 10 }
}

variable "autoscaling" {
  description = "Targets of both autoscalers: CPU share, and connections per instance (shard: active WebSockets; LB: proxied)"
  type = object({
    cpu_target                  = number
    shard_connections_target    = number
    lb_connections_target       = number
    cool_down_period_sec        = number
    scale_in_max_fixed_replicas = number
  })
  default = {
    cpu_target                  = 0.6
    shard_connections_target    = 10000
    lb_connections_target       = 40000
    cool_down_period_sec        = 120
    scale_in_max_fixed_replicas = 1
  }
}

variable "drain_timeout_s" {
  description = "Seconds a SIGTERM drain may take (--drain-timeout); systemd and rolling updates leave room for it"
  type        = number
  default     = 30
}

variable "websocket_max_lifetime_s" {
  description = "Backend timeout of the external load balancer: for WebSockets it is the longest a connection may stay open; far above the 16 s ping interval"
  type        = number
  default     = 86400
}

variable "domain" {
  description = "Domain for a Google-managed TLS certificate (wss:// on 443); empty: plain ws:// on port 80, refused unless allow_plaintext"
  type        = string
  default     = ""
  validation {
    condition     = var.domain != "" || var.allow_plaintext
    error_message = "without a domain the deployment serves plain ws:// (tokens and data in clear): give a domain, or set allow_plaintext = true."
  }
}

variable "allow_plaintext" {
  description = "Serve plain ws:// on port 80 when no domain is given (tokens and data in clear): only for tests"
  type        = bool
  default     = false
}

variable "monitoring_source_ranges" {
  description = "CIDR ranges of the Prometheus servers that scrape /metrics on both tiers"
  type        = list(string)
  default     = []
}
