// The LibPQ module; its types arrive with their issues.
