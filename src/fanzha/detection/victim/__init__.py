"""The victim's side: who among the contacted residents is engaging with the fraudster."""
