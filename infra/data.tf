locals {
  name = "${var.name_prefix}-${var.environment}"
  tables = {
    users    = "${local.name}-users"
    locks    = "${local.name}-locks"
    sessions = "${local.name}-sessions"
    journal  = "${local.name}-journal"
  }
}

module "data_tier" {
  source         = "./modules/data_tier"
  bucket_name    = "${local.name}-collections-${data.aws_caller_identity.current.account_id}"
  users_table    = local.tables.users
  locks_table    = local.tables.locks
  sessions_table = local.tables.sessions
  journal_table  = local.tables.journal
  # the web app's origins, as API Gateway's CORS rule names them (infra/api.tf)
  transfer_origins = compact(["https://${aws_cloudfront_distribution.web.domain_name}", var.web_origin])
}

data "aws_caller_identity" "current" {}
