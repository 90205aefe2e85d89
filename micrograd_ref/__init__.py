"""micrograd_ref: the trusted reference micrograd the kit grades against."""
