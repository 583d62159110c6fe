"""The year's three-yearly evaluations in the order they are taken up (Art. 18, R16)."""
