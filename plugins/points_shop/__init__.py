"""Points exchange shop (积分兑换超市)."""
