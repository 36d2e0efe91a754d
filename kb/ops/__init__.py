"""Running the app in production: health and readiness endpoints, request ids, structured
logs, and the start-up check of the database."""
