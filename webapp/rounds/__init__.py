"""Application rounds (Art. 8, 定期受理): the Department opens them, applicants apply within them."""
