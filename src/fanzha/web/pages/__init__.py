"""Server-rendered pages of the desk."""
