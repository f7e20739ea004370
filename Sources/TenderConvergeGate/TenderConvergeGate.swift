// The TenderConvergeGate module; its types arrive with their issues.
