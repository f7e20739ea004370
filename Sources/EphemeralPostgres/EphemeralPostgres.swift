// The EphemeralPostgres module; its types arrive with their issues.
