// The TenderPostgres module; its types arrive with their issues.
