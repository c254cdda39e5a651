"""The stream consumer's checkpoints and level-raise log in the workflow store."""
