variable "bucket_name" {
  description = "S3 bucket holding users' collection snapshots and media."
  type        = string
}

variable "users_table" {
  description = "DynamoDB table of users (DYNAMODB_USERS_TABLE)."
  type        = string
}

variable "locks_table" {
  description = "DynamoDB table of leases (DYNAMODB_LOCKS_TABLE)."
  type        = string
}

variable "sessions_table" {
  description = "DynamoDB table of review sessions (DYNAMODB_SESSIONS_TABLE)."
  type        = string
}

variable "journal_table" {
  description = "DynamoDB table of journal entries and heads (DYNAMODB_JOURNAL_TABLE)."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted snapshot version is kept before S3 expires it."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Allow destroying a non-empty bucket (only for throw-away environments)."
  type        = bool
  default     = false
}

variable "transfer_origins" {
  description = "Web origins whose browsers upload packages to and download exports from the bucket directly (presigned requests under users/<id>/transfers/)."
  type        = list(string)
  default     = []
}
