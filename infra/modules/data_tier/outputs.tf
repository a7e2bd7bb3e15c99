output "bucket_name" {
  value = aws_s3_bucket.collections.id
}

output "bucket_arn" {
  value = aws_s3_bucket.collections.arn
}

output "table_arns" {
  value = [
    aws_dynamodb_table.users.arn,
    aws_dynamodb_table.locks.arn,
    aws_dynamodb_table.sessions.arn,
    aws_dynamodb_table.journal.arn,
  ]
}

output "table_names" {
  value = {
    users    = aws_dynamodb_table.users.name
    locks    = aws_dynamodb_table.locks.name
    sessions = aws_dynamodb_table.sessions.name
    journal  = aws_dynamodb_table.journal.name
  }
}
