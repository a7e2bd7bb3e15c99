variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Name of this deployment (used in resource names)."
  type        = string
  default     = "prod"
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "javumbo"
}

variable "lambda_zip_path" {
  description = "Deployment zip built by `make package`."
  type        = string
  default     = "../dist/javumbo-lambda.zip"
}

variable "lambda_memory_mb" {
  description = "Lambda memory (MB); CPU scales with it."
  type        = number
  default     = 1024
}

variable "lambda_tmp_mb" {
  description = "Lambda /tmp size (MB): the instance cache of collections lives there."
  type        = number
  default     = 1024
}

variable "lambda_timeout_s" {
  description = "Lambda timeout in seconds (imports of large decks take the longest)."
  type        = number
  default     = 60
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency: caps cost and protects DynamoDB/S3 from bursts."
  type        = number
  default     = 20
}

variable "session_ttl_s" {
  description = "SESSION_TTL: seconds an idle review session stays open."
  type        = number
  default     = 300
}

variable "web_origin" {
  description = "Extra origin allowed by CORS (the CloudFront URL is always allowed)."
  type        = string
  default     = ""
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (empty: no subscription)."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs."
  type        = number
  default     = 365
}

variable "p95_latency_alarm_ms" {
  description = "Alarm when the API's p95 duration exceeds this (ms)."
  type        = number
  default     = 1000
}

variable "jwt_secret_key" {
  description = "JWT signing secret (JWT_SECRET_KEY); pass with TF_VAR_jwt_secret_key, never commit it."
  type        = string
  sensitive   = true
  validation {
    condition     = length(var.jwt_secret_key) >= 32
    error_message = "jwt_secret_key must be at least 32 characters."
  }
}
