// The Tender module; its types arrive with their issues.
