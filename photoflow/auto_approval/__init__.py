"""Auto-approval: screen photos before the manual queue and approve the clearly good ones."""
