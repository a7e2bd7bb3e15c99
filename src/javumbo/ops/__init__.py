"""Operating a deployment: migrating a one-server install, backups, the session sweeper, costs."""
