"""River-crab cooperative (河蟹合作社)."""
