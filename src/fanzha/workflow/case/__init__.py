"""The case registry (警情/案件): fraud reports, losses, stop-payment, freezing and returns."""
