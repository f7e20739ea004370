// The TenderSandbox module; its types arrive with their issues.
