"""Actions taken on a warning: sign-for, calls, SMS, visits, escalations, transfers."""
