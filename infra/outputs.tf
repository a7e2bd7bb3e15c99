output "api_url" {
  description = "Base URL of the API (also the Anki sync URL)."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "web_url" {
  description = "URL of the web app."
  value       = "https://${aws_cloudfront_distribution.web.domain_name}"
}

output "web_bucket" {
  description = "Upload the built web app here (aws s3 sync src/javumbo/webapp s3://BUCKET)."
  value       = aws_s3_bucket.web.id
}

output "collections_bucket" {
  value = module.data_tier.bucket_name
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}
