"""The parts of `scripts/bench` (issue 10, item 6): each section measures one thing and returns rows for
the one table it prints. Figures are printed, never asserted; the targets stand beside them."""
