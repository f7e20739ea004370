// The TenderHTTP module; its types arrive with their issues.
